package awsjson

import (
	"reflect"

	"github.com/google/uuid"
)

var timestampType = reflect.TypeFor[Timestamp]()

// NewRequestID returns a fresh request id in uuid form.
func NewRequestID() string { return uuid.NewString() }
