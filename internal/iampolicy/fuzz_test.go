package iampolicy

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`), "a:b", "arn:aws:s3:::x", "eu-west-1")
	f.Add([]byte(`{"Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*","a:?b*"],"NotResource":"arn:aws:*:*:1:*"}]}`), "iam:X", "*", "")
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:RequestedRegion":["eu-*",1,true]}}}}`), "x:y", "*", "eu-west-1")
	f.Add([]byte(`{"Statement":[],"Statement":null}`), "", "", "")
	f.Fuzz(func(t *testing.T, doc []byte, action, resource, region string) {
		p, err := Parse(doc)
		if err != nil {
			var pe *Error
			if p != nil || !errors.As(err, &pe) || pe.Message == "" {
				t.Fatalf("Parse error %v (policy %v)", err, p)
			}
			return
		}
		d := p.Evaluate(Request{Action: action, Resource: resource, Region: region})
		if d > ExplicitDeny {
			t.Fatalf("decision %d", d)
		}
		if d2 := p.Evaluate(Request{Action: action, Resource: resource, Region: region}); d2 != d {
			t.Fatalf("non-deterministic: %v then %v", d, d2)
		}
		// Knowing the region can only turn unevaluable conditions into evaluable ones:
		// an Allow without it stays an Allow with it.
		if region != "" && p.Allowed(action, resource) == Allow && d != Allow {
			t.Fatalf("allowed without region, %v with region %q", d, region)
		}
	})
}
