package awsquery

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

func TestParamsLists(t *testing.T) {
	p, err := Parse([]byte("Action=A&L.member.1=x&L.member.2=y&L.member.4=skipped" +
		"&S.Conf.1.Id=0001&S.Conf.1.N=2&S.Conf.2.Id=0002&Empty="))
	if err != nil {
		t.Fatal(err)
	}
	if p.Get("Action") != "A" || p.Get("Nope") != "" || !p.Has("Empty") || p.Has("Nope") {
		t.Fatalf("Get/Has on %v", p)
	}
	if got := p.List("L", "member"); !reflect.DeepEqual(got, []string{"x", "y"}) {
		t.Fatalf("List = %v: members stop at the first gap", got)
	}
	s := p.Structs("S", "Conf")
	if len(s) != 2 || s[0].Get("Id") != "0001" || s[0].Get("N") != "2" || s[1].Get("Id") != "0002" {
		t.Fatalf("Structs = %v", s)
	}
	if _, err := Parse([]byte("%zz")); err == nil {
		t.Fatal("a malformed body parsed")
	}
}

func TestResponses(t *testing.T) {
	w := httptest.NewRecorder()
	if err := WriteResult(w, "urn:x", "Op", "r1", nil); err != nil {
		t.Fatal(err)
	}
	if want := `<OpResponse xmlns="urn:x"><OpResult/><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></OpResponse>`; w.Body.String() != want || w.Code != 200 {
		t.Fatalf("result %d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	WriteError(w, "urn:x", "r2", 404, "Sender", "NotFound", "a <b> & c")
	if want := `<ErrorResponse xmlns="urn:x"><Error><Type>Sender</Type><Code>NotFound</Code><Message>a &lt;b&gt; &amp; c</Message></Error><RequestId>r2</RequestId></ErrorResponse>`; w.Body.String() != want || w.Code != 404 || w.Header().Get("Content-Type") != "text/xml" {
		t.Fatalf("error %d %s", w.Code, w.Body)
	}
}
