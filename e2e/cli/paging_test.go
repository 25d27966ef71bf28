package cli_test

import (
	"fmt"
	"reflect"
	"sort"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestPagination registers 120 Lambda targets (over plain HTTP: a CLI process per target
// would take a minute) and lets the CLI page through them: auto-pagination, small server
// pages, and --max-items with --starting-token.
func TestPagination(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	const n = 120
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprintf("function:f%d:live", i)
		apiCall(t, srv.URL, "RegisterScalableTarget", fmt.Sprintf(
			`{"ServiceNamespace":"lambda","ScalableDimension":"lambda:function:ProvisionedConcurrency","ResourceId":%q,"MinCapacity":0,"MaxCapacity":10}`, want[i]))
	}
	sort.Strings(want)
	c := newCLI(t, srv.URL)

	// ids checks that a listing holds every registered target exactly once.
	ids := func(what string, targets []scalableTarget) []string {
		t.Helper()
		var got []string
		count := map[string]int{}
		for _, st := range targets {
			got = append(got, st.ResourceId)
			count[st.ResourceId]++
		}
		for id, k := range count {
			if k > 1 {
				t.Errorf("%s: %s listed %d times", what, id, k)
			}
		}
		sorted := append([]string(nil), got...)
		sort.Strings(sorted)
		if !reflect.DeepEqual(sorted, want) {
			t.Errorf("%s: %d targets (%d distinct), want the %d registered", what, len(got), len(count), n)
		}
		return got
	}

	// The CLI follows NextToken through three server pages of at most 50.
	all := c.describeTargets(lambdaNS)
	if all.NextToken != "" {
		t.Errorf("auto-paginated output carries NextToken %q", all.NextToken)
	}
	order := ids("auto-paginated", all.ScalableTargets)

	// Eighteen pages of seven: the same targets in the same order.
	small := c.describeTargets(lambdaNS, "--page-size", "7")
	if got := ids("--page-size 7", small.ScalableTargets); !reflect.DeepEqual(got, order) {
		t.Errorf("--page-size 7 lists the targets in another order than the default page size")
	}

	// --no-paginate shows the server's first page (50, the default MaxResults) and its token.
	first := c.describeTargets(lambdaNS, "--no-paginate")
	if len(first.ScalableTargets) != 50 || first.NextToken == "" {
		t.Errorf("--no-paginate: %d targets and NextToken %q, want 50 and a token", len(first.ScalableTargets), first.NextToken)
	}

	// --max-items 30, then --starting-token until the CLI prints no more token.
	var paged []scalableTarget
	token := ""
	for page := 1; ; page++ {
		args := []string{"--max-items", "30"}
		if token != "" {
			args = append(args, "--starting-token", token)
		}
		out := c.describeTargets(lambdaNS, args...)
		if len(out.ScalableTargets) != 30 {
			t.Fatalf("page %d of --max-items 30 has %d targets", page, len(out.ScalableTargets))
		}
		paged = append(paged, out.ScalableTargets...)
		if out.NextToken == "" {
			if page != 4 {
				t.Errorf("--max-items 30 ended after %d pages, want 4", page)
			}
			break
		}
		if page == 4 {
			t.Fatalf("--max-items 30: the fourth page still has a NextToken %q", out.NextToken)
		}
		if out.NextToken == token {
			t.Fatalf("page %d returned the same token again", page)
		}
		token = out.NextToken
	}
	if got := ids("--max-items 30 pages", paged); !reflect.DeepEqual(got, order) {
		t.Errorf("--max-items/--starting-token lists the targets in another order than auto-pagination")
	}

	// A filtered listing pages too (the token is bound to the filters).
	some := []string{"application-autoscaling", "describe-scalable-targets", "--service-namespace", lambdaNS,
		"--scalable-dimension", lambdaDim, "--page-size", "2", "--resource-ids"}
	some = append(some, want[:5]...)
	var filtered describeTargetsOutput
	c.json(&filtered, some...)
	if len(filtered.ScalableTargets) != 5 {
		t.Errorf("--resource-ids with five ids and --page-size 2: %d targets, want 5", len(filtered.ScalableTargets))
	}
}
