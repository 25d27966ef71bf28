package autoscaling

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Validator collects model-constraint violations in the order AWS's framework reports them
// and renders them in its form:
//
//	2 validation errors detected: Value 'bar' at 'scalableDimension' failed to satisfy
//	constraint: Member must satisfy enum value set: [...]; Value null at 'resourceId' ...
//
// Field names are the lowerCamelCase member paths.
type Validator struct {
	msgs []string
}

func (v *Validator) add(value *string, field, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, field, constraint))
}

// Required records a violation when a required member is absent.
func (v *Validator) Required(field string, present bool) {
	if !present {
		v.add(nil, field, "Member must not be null")
	}
}

// Enum checks an optional enum member (nil is fine).
func (v *Validator) Enum(field string, value *string, allowed []string) {
	if value == nil {
		return
	}
	for _, a := range allowed {
		if *value == a {
			return
		}
	}
	v.add(value, field, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// RequiredEnum checks a required enum member.
func (v *Validator) RequiredEnum(field string, value *string, allowed []string) {
	v.Required(field, value != nil)
	v.Enum(field, value, allowed)
}

// String checks an optional string's length (in UTF-16 code units, as Java counts, which is
// what AWS's framework does) and that it holds only XML characters; max 0 means no maximum.
func (v *Validator) String(field string, value *string, min, max int) {
	if value == nil {
		return
	}
	n := utf16Len(*value)
	switch {
	case n < min:
		v.add(value, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max > 0 && n > max:
		v.add(value, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	case !xmlChars(*value):
		v.add(value, field, `Member must satisfy regular expression pattern: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`)
	}
}

// RequiredString checks a required string member.
func (v *Validator) RequiredString(field string, value *string, min, max int) {
	v.Required(field, value != nil)
	v.String(field, value, min, max)
}

// Pattern records a pattern violation when ok is false.
func (v *Validator) Pattern(field string, value *string, ok bool, pattern string) {
	if value != nil && !ok {
		v.add(value, field, "Member must satisfy regular expression pattern: "+pattern)
	}
}

// ListMax checks a list's length.
func (v *Validator) ListMax(field string, n, max int) {
	if n > max {
		v.msgs = append(v.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", field, max))
	}
}

// IntRange checks an optional integer member's bounds.
func (v *Validator) IntRange(field string, value *int32, min, max int32) {
	if value == nil {
		return
	}
	s := fmt.Sprint(*value)
	if *value < min {
		v.add(&s, field, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	} else if *value > max {
		v.add(&s, field, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

// Err returns the collected violations as one ValidationException, or nil.
func (v *Validator) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return Errorf(CodeValidation, "1 validation error detected: %s", v.msgs[0])
	default:
		return Errorf(CodeValidation, "%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; "))
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// xmlChars reports whether s holds only characters of the model's XML-string pattern.
func xmlChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

// PrintableASCII reports whether s matches Java's \p{Print}+ (ASCII 0x20 to 0x7E), the
// PolicyName pattern.
func PrintableASCII(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// ValidScheduledActionName reports whether s matches the ScheduledActionName pattern: no
// leading or trailing space, no control characters (U+0000-U+001F, U+007F-U+009F), none of
// ':' '/' '|'.
func ValidScheduledActionName(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for _, r := range s {
		if r <= 0x1f || (r >= 0x7f && r <= 0x9f) || r == ':' || r == '/' || r == '|' || r == '\n' {
			return false
		}
	}
	return true
}

// ScheduledActionNamePattern is the model's pattern text, quoted in violations.
const ScheduledActionNamePattern = `(?!((^[ ]+.*)|(.*([\u0000-\u001f]|[\u007f-\u009f]|[:/|])+.*)|(.*[ ]+$))).+`
