package authn

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/fxamacker/cbor/v2"
)

// maxInflated bounds a gzip request body once inflated, for reading its parameters.
const maxInflated = 8 << 20

// inflate returns the body of a request, inflated when it is gzip-encoded (the SDKs
// compress large CloudWatch PutMetricData calls); a body that does not inflate is returned
// as is.
func inflate(r *http.Request, body []byte) []byte {
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		return body
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return body
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated))
	if err != nil {
		return body
	}
	return out
}

// fields are the values of some top-level members of a request, by member name. A member
// present with a value that is not a string (or a list of strings) reads as "*", so that
// authorization then needs an Allow on every resource: what the handler makes of such a
// request is not guessed at.
type fields map[string][]string

// Input member names whose values name resources.
const (
	memberAlarmName       = "AlarmName"
	memberAlarmNames      = "AlarmNames"
	memberAlarmNamePrefix = "AlarmNamePrefix"
)

var cwMembers = []string{memberAlarmName, memberAlarmNames, memberAlarmNamePrefix}

// treeFields reads the members of a decoded JSON or CBOR object, matching names exactly (as
// the CloudWatch codecs do).
func treeFields(v any, names []string) fields {
	m, ok := v.(map[string]any)
	if !ok {
		return fields{"": {"*"}}
	}
	f := fields{}
	for _, n := range names {
		x, ok := m[n]
		if !ok || x == nil {
			continue
		}
		switch x := x.(type) {
		case string:
			f[n] = []string{x}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					f[n] = append(f[n], s)
				} else {
					f[n] = append(f[n], "*")
				}
			}
		default:
			f[n] = []string{"*"}
		}
	}
	return f
}

// jsonFields reads the CloudWatch members of a JSON body.
func jsonFields(body []byte) fields {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return fields{}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fields{"": {"*"}}
	}
	return treeFields(v, cwMembers)
}

var cborDecMode, _ = cbor.DecOptions{
	DefaultMapType:   reflect.TypeFor[map[string]any](),
	MaxNestedLevels:  32,
	MaxArrayElements: 100000,
	MaxMapPairs:      100000,
	IndefLength:      cbor.IndefLengthAllowed,
	DupMapKey:        cbor.DupMapKeyEnforcedAPF,
}.DecMode()

// cborFields reads the CloudWatch members of a CBOR body.
func cborFields(body []byte) fields {
	if len(body) == 0 {
		return fields{}
	}
	var v any
	if err := cborDecMode.Unmarshal(body, &v); err != nil {
		return fields{"": {"*"}}
	}
	return treeFields(v, cwMembers)
}

// formFields reads the CloudWatch members of query parameters: AlarmName, and every
// AlarmNames.* list member.
func formFields(form url.Values) fields {
	f := fields{}
	for k, vs := range form {
		switch {
		case k == memberAlarmName || k == memberAlarmNamePrefix:
			f[k] = append(f[k], vs...)
		case strings.HasPrefix(k, memberAlarmNames+"."):
			f[memberAlarmNames] = append(f[memberAlarmNames], vs...)
		}
	}
	return f
}

// cloudWatchResources returns the alarm ARNs of the alarm operations that name alarms.
func cloudWatchResources(op string, read func() fields) func(account, region string) []string {
	var single bool
	switch op {
	case "PutMetricAlarm", "PutCompositeAlarm", "SetAlarmState", "DescribeAlarmHistory":
		single = true
	case "DeleteAlarms", "DescribeAlarms", "EnableAlarmActions", "DisableAlarmActions":
	default:
		return nil
	}
	return func(account, region string) []string {
		f := read()
		var names []string
		if single {
			names = f[memberAlarmName]
		} else {
			names = f[memberAlarmNames]
		}
		var out []string
		if len(names) == 0 || len(f[""]) > 0 || len(f[memberAlarmNamePrefix]) > 0 {
			out = append(out, "*")
		}
		for _, n := range names {
			if n == "*" {
				out = append(out, "*")
				continue
			}
			out = append(out, "arn:"+autoscaling.Partition+":cloudwatch:"+region+":"+account+":alarm:"+n)
		}
		return out
	}
}

// elastiCacheResources returns the replication group and cache cluster ARNs a query call
// names (ReplicationGroupId, CacheClusterId).
func elastiCacheResources(form url.Values) func(account, region string) []string {
	groups, clusters := form["ReplicationGroupId"], form["CacheClusterId"]
	if len(groups)+len(clusters) == 0 {
		return nil
	}
	return func(account, region string) []string {
		base := "arn:" + autoscaling.Partition + ":elasticache:" + region + ":" + account + ":"
		var out []string
		for _, g := range groups {
			out = append(out, base+"replicationgroup:"+g)
		}
		for _, c := range clusters {
			out = append(out, base+"cluster:"+c)
		}
		return out
	}
}

// SLR naming: AWSServiceRoleForApplicationAutoScaling_<Suffix> at path
// /aws-service-role/<namespace>.application-autoscaling.amazonaws.com/.
const (
	slrNamePrefix    = "AWSServiceRoleForApplicationAutoScaling_"
	slrPrincipalTail = ".application-autoscaling.amazonaws.com"
)

// slrPrincipal returns the service principal of an Application Auto Scaling service-linked
// role name.
func slrPrincipal(roleName string) (string, bool) {
	suffix, ok := strings.CutPrefix(roleName, slrNamePrefix)
	if !ok {
		return "", false
	}
	for _, ns := range autoscaling.Namespaces {
		if i, ok := autoscaling.Namespace(ns); ok && i.SLRSuffix != "" && i.SLRSuffix == suffix {
			return ns + slrPrincipalTail, true
		}
	}
	return "", false
}

// slrName returns the role name of an Application Auto Scaling service principal.
func slrName(principal string) (string, bool) {
	ns, ok := strings.CutSuffix(principal, slrPrincipalTail)
	if !ok {
		return "", false
	}
	if i, ok := autoscaling.Namespace(ns); ok && i.SLRSuffix != "" {
		return slrNamePrefix + i.SLRSuffix, true
	}
	return "", false
}

// iamResources returns the role ARNs of the IAM operations served (GetRole,
// CreateServiceLinkedRole, DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus).
func iamResources(op string, form url.Values) func(account, region string) []string {
	var names, paths []string // role names, or full "path+name" under role/
	switch op {
	case "GetRole", "DeleteServiceLinkedRole", "DeleteRole", "UpdateRole", "UpdateRoleDescription",
		"ListRoleTags", "TagRole", "UntagRole", "GetRolePolicy", "ListRolePolicies", "ListAttachedRolePolicies":
		names = form["RoleName"]
	case "CreateServiceLinkedRole":
		for _, p := range form["AWSServiceName"] {
			if n, ok := slrName(p); ok && len(form["CustomSuffix"]) == 0 {
				paths = append(paths, "aws-service-role/"+p+"/"+n)
			} else {
				paths = append(paths, "*")
			}
		}
	case "GetServiceLinkedRoleDeletionStatus":
		for _, id := range form["DeletionTaskId"] {
			rest, ok := strings.CutPrefix(id, "task/")
			i := strings.LastIndexByte(rest, '/')
			if !ok || i <= 0 {
				paths = append(paths, "*")
				continue
			}
			paths = append(paths, rest[:i])
		}
	default:
		return nil
	}
	return func(account, _ string) []string {
		base := "arn:" + autoscaling.Partition + ":iam::" + account + ":role/"
		var out []string
		for _, n := range names {
			if p, ok := slrPrincipal(n); ok {
				out = append(out, base+"aws-service-role/"+p+"/"+n)
			} else {
				out = append(out, base+n)
			}
		}
		for _, p := range paths {
			if p == "*" {
				out = append(out, "*")
			} else {
				out = append(out, base+p)
			}
		}
		return out
	}
}
