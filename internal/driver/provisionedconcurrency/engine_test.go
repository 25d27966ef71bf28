package provisionedconcurrency

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/autoscaled/autoscaled/internal/api"
	"github.com/autoscaled/autoscaled/internal/controller"
	"github.com/autoscaled/autoscaled/internal/driver"
	"github.com/autoscaled/autoscaled/internal/driver/emulated"
	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
	"github.com/autoscaled/autoscaled/internal/metrics"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
)

// TestEngineScalesProvisionedConcurrency runs the scaling engine and the Application Auto
// Scaling API with this driver for the lambda namespace, over the real Lambda service:
// registering a missing function is a ValidationException; registering an alias with
// MinCapacity 3 scales it to 3 warm workers, the activity staying InProgress until the
// configuration is READY.
func TestEngineScalesProvisionedConcurrency(t *testing.T) {
	st := memstore.New()
	e := apitest.New(t, apitest.Options{Store: st, KeepStore: true})
	newFunction(t, e, "eng", map[string]string{"TESTFN_INIT_SLEEP_MS": "300"})

	drivers := driver.NewSet(emulated.New(st, nil, time.Second))
	drivers.Use("lambda", New(e.Service, nil))
	ms := metrics.New(metrics.Options{})
	engine := controller.New(controller.Options{Store: st, Metrics: ms, Drivers: drivers, Tick: 20 * time.Millisecond})
	svc, err := api.New(ctx, st, api.Options{Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	h := svc.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.Owns(r.Header.Get("X-Amz-Target")) {
			h.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ectx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = engine.Run(ectx); close(done) }()
	defer func() { stop(); <-done }()
	client := aas.New(aas.Options{Region: apitest.Region, BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(apitest.Account, "secret", "")})

	register := func(resource string, min, max int32) error {
		_, err := client.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceLambda,
			ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionLambdaFunctionProvisionedConcurrency,
			MinCapacity: aws.Int32(min), MaxCapacity: aws.Int32(max)})
		return err
	}
	err = register("function:missing:live", 0, 5)
	var ve *aastypes.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing") {
		t.Fatalf("missing function: %v", err)
	}
	if err := register("function:eng:nope", 0, 5); !errors.As(err, &ve) || !strings.Contains(err.Error(), "Cannot find alias arn") {
		t.Fatalf("missing alias: %v", err)
	}
	if err := register("function:eng:live", 3, 5); err != nil {
		t.Fatal(err)
	}
	// The activity is InProgress while the workers initialise (300 ms each), then Successful.
	var sawInProgress bool
	apitest.WaitFor(t, 20*time.Second, "a successful activity", func() bool {
		out, err := client.DescribeScalingActivities(ctx, &aas.DescribeScalingActivitiesInput{ServiceNamespace: aastypes.ServiceNamespaceLambda,
			ResourceId: aws.String("function:eng:live"), ScalableDimension: aastypes.ScalableDimensionLambdaFunctionProvisionedConcurrency})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ScalingActivities) == 0 {
			return false
		}
		a := out.ScalingActivities[0]
		switch a.StatusCode {
		case aastypes.ScalingActivityStatusCodeInProgress:
			sawInProgress = true
		case aastypes.ScalingActivityStatusCodeSuccessful:
			return true
		case aastypes.ScalingActivityStatusCodeFailed:
			t.Fatalf("activity failed: %s", aws.ToString(a.StatusMessage))
		}
		return false
	})
	if !sawInProgress {
		t.Error("the activity was never seen InProgress")
	}
	w := e.Pool.Workers(apitest.Key("eng", "1"))
	if warm := w.ProvisionedIdle + w.ProvisionedBusy; warm != 3 {
		t.Fatalf("%d warm workers, want 3", warm)
	}
}
