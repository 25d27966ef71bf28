package authn

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/fxamacker/cbor/v2"
)

const authFor = "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/%s/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"

func request(method, target string, header map[string]string, body string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		if k == "Authorization" && strings.Contains(v, "%s") {
			continue
		}
		r.Header.Set(k, v)
	}
	return r
}

func signedFor(service string) string {
	return strings.Replace(authFor, "%s", service, 1)
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func cborOf(v any) string { b, _ := cbor.Marshal(v); return string(b) }

func TestClassify(t *testing.T) {
	t.Parallel()
	form := "application/x-www-form-urlencoded; charset=utf-8"
	cases := []struct {
		name      string
		r         *http.Request
		proto     Protocol
		service   string
		opName    string
		action    string
		resources []string
	}{
		{"aas", request("POST", "/", map[string]string{"X-Amz-Target": "AnyScaleFrontendService.RegisterScalableTarget"}, `{}`),
			ProtocolAWSJSON11, ServiceAutoScaling, "RegisterScalableTarget", "application-autoscaling:RegisterScalableTarget", []string{"*"}},
		{"aas bad name", request("POST", "/", map[string]string{"X-Amz-Target": "AnyScaleFrontendService.Describe/../x"}, `{}`),
			ProtocolAWSJSON11, ServiceAutoScaling, "", "", []string{"*"}},
		{"cbor put alarm", request("POST", cborPathPrefix+"PutMetricAlarm", nil, cborOf(map[string]any{"AlarmName": "a b"})),
			ProtocolRPCv2CBOR, ServiceCloudWatch, "PutMetricAlarm", "cloudwatch:PutMetricAlarm", []string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a b"}},
		{"cbor delete alarms", request("POST", cborPathPrefix+"DeleteAlarms", nil, cborOf(map[string]any{"AlarmNames": []string{"x", "y"}})),
			ProtocolRPCv2CBOR, ServiceCloudWatch, "DeleteAlarms", "cloudwatch:DeleteAlarms",
			[]string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:x", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:y"}},
		{"cbor wrong type", request("POST", cborPathPrefix+"SetAlarmState", nil, cborOf(map[string]any{"AlarmName": 3})),
			ProtocolRPCv2CBOR, ServiceCloudWatch, "SetAlarmState", "cloudwatch:SetAlarmState", []string{"*"}},
		{"cbor garbage", request("POST", cborPathPrefix+"SetAlarmState", nil, "\xff\x00"),
			ProtocolRPCv2CBOR, ServiceCloudWatch, "SetAlarmState", "cloudwatch:SetAlarmState", []string{"*"}},
		{"cbor metric data", request("POST", cborPathPrefix+"PutMetricData", nil, cborOf(map[string]any{"Namespace": "x"})),
			ProtocolRPCv2CBOR, ServiceCloudWatch, "PutMetricData", "cloudwatch:PutMetricData", []string{"*"}},
		{"json describe alarms", request("POST", "/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}, `{"AlarmNames":["x"]}`),
			ProtocolAWSJSON10, ServiceCloudWatch, "DescribeAlarms", "cloudwatch:DescribeAlarms", []string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:x"}},
		{"json names are exact", request("POST", "/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.PutMetricAlarm"}, `{"AlarmName":"a","alarmname":"b"}`),
			ProtocolAWSJSON10, ServiceCloudWatch, "PutMetricAlarm", "cloudwatch:PutMetricAlarm", []string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a"}},
		{"json describe all", request("POST", "/", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}, `{}`),
			ProtocolAWSJSON10, ServiceCloudWatch, "DescribeAlarms", "cloudwatch:DescribeAlarms", []string{"*"}},
		{"query cloudwatch", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("monitoring")},
			"Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=x&AlarmNames.member.2=y"),
			ProtocolQuery, ServiceCloudWatch, "DeleteAlarms", "cloudwatch:DeleteAlarms",
			[]string{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:x", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:y"}},
		{"query cloudwatch gzip", request("POST", "/", map[string]string{"Content-Type": form, "Content-Encoding": "gzip", "Authorization": signedFor("monitoring")},
			gz("Action=PutMetricData&Version=2010-08-01&Namespace=x")),
			ProtocolQuery, ServiceCloudWatch, "PutMetricData", "cloudwatch:PutMetricData", []string{"*"}},
		{"query elasticache", request("POST", "/?ReplicationGroupId=url", map[string]string{"Content-Type": form, "Authorization": signedFor("elasticache")},
			"Action=DeleteReplicationGroup&ReplicationGroupId=rg"),
			ProtocolQuery, ServiceElastiCache, "DeleteReplicationGroup", "elasticache:DeleteReplicationGroup",
			[]string{"arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:rg", "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:url"}},
		{"query elasticache cluster", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("elasticache")},
			"Action=DescribeCacheClusters&CacheClusterId=c-1"),
			ProtocolQuery, ServiceElastiCache, "DescribeCacheClusters", "elasticache:DescribeCacheClusters",
			[]string{"arn:aws:elasticache:eu-west-1:111111111111:cluster:c-1"}},
		{"query iam get role", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("iam")},
			"Action=GetRole&RoleName=AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"),
			ProtocolQuery, ServiceIAM, "GetRole", "iam:GetRole",
			[]string{"arn:aws:iam::111111111111:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"}},
		{"query iam create slr", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("iam")},
			"Action=CreateServiceLinkedRole&AWSServiceName=ecs.application-autoscaling.amazonaws.com"),
			ProtocolQuery, ServiceIAM, "CreateServiceLinkedRole", "iam:CreateServiceLinkedRole",
			[]string{"arn:aws:iam::111111111111:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"}},
		{"query iam deletion status", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("iam")},
			"Action=GetServiceLinkedRoleDeletionStatus&DeletionTaskId=task%2Faws-service-role%2Fecs.application-autoscaling.amazonaws.com%2FAWSServiceRoleForApplicationAutoScaling_ECSService%2F1234"),
			ProtocolQuery, ServiceIAM, "GetServiceLinkedRoleDeletionStatus", "iam:GetServiceLinkedRoleDeletionStatus",
			[]string{"arn:aws:iam::111111111111:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"}},
		{"query iam list roles", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("iam")},
			"Action=ListRoles&PathPrefix=%2Faws-service-role%2F"),
			ProtocolQuery, ServiceIAM, "ListRoles", "iam:ListRoles", []string{"*"}},
		{"unsigned form", request("POST", "/", map[string]string{"Content-Type": form}, "Action=GetRole"),
			ProtocolQuery, "", "", "", []string{"*"}},
		{"form signed for sts", request("POST", "/", map[string]string{"Content-Type": form, "Authorization": signedFor("sts")}, "Action=GetCallerIdentity"),
			ProtocolQuery, "", "", "", []string{"*"}},
		{"unknown", request("GET", "/whatever", nil, ""), ProtocolUnknown, "", "", "", []string{"*"}},
		{"lambda invoke qualified", request("POST", "/2015-03-31/functions/my-fn/invocations?Qualifier=prod", nil, "{}"),
			ProtocolRESTJSON, ServiceLambda, "Invoke", "lambda:InvokeFunction", []string{"arn:aws:lambda:eu-west-1:111111111111:function:my-fn:prod"}},
		{"lambda name with qualifier", request("GET", "/2015-03-31/functions/my-fn%3ABLUE/configuration", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "GetFunctionConfiguration", "lambda:GetFunctionConfiguration", []string{"arn:aws:lambda:eu-west-1:111111111111:function:my-fn:BLUE"}},
		{"lambda full arn", request("GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-2%3A222222222222%3Afunction%3Afn/policy", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "GetPolicy", "lambda:GetPolicy", []string{"arn:aws:lambda:us-east-2:222222222222:function:fn"}},
		{"lambda partial arn", request("DELETE", "/2015-03-31/functions/222222222222%3Afunction%3Afn%3A3", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "DeleteFunction", "lambda:DeleteFunction", []string{"arn:aws:lambda:eu-west-1:222222222222:function:fn:3"}},
		{"lambda two qualifiers", request("GET", "/2019-09-30/functions/fn%3Aa/provisioned-concurrency?Qualifier=b", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "GetProvisionedConcurrencyConfig", "lambda:GetProvisionedConcurrencyConfig",
			[]string{"arn:aws:lambda:eu-west-1:111111111111:function:fn:a", "arn:aws:lambda:eu-west-1:111111111111:function:fn:b"}},
		{"lambda list provisioned", request("GET", "/2019-09-30/functions/fn/provisioned-concurrency?List=ALL", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "ListProvisionedConcurrencyConfigs", "lambda:ListProvisionedConcurrencyConfigs", []string{"arn:aws:lambda:eu-west-1:111111111111:function:fn"}},
		{"lambda account settings slash", request("GET", "/2016-08-19/account-settings/", nil, ""),
			ProtocolRESTJSON, ServiceLambda, "GetAccountSettings", "lambda:GetAccountSettings", []string{"*"}},
		{"lambda create", request("POST", "/2015-03-31/functions", nil, `{"FunctionName":"new-fn","Runtime":"python3.12"}`),
			ProtocolRESTJSON, ServiceLambda, "CreateFunction", "lambda:CreateFunction", []string{"arn:aws:lambda:eu-west-1:111111111111:function:new-fn"}},
		{"lambda unknown route", request("GET", "/2018-10-31/layers", nil, ""), ProtocolRESTJSON, ServiceLambda, "", "", []string{"*"}},
		{"lambda wrong method", request("PATCH", "/2015-03-31/functions/fn", nil, ""), ProtocolRESTJSON, ServiceLambda, "", "", []string{"*"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := io.ReadAll(tc.r.Body)
			op := Classify(tc.r, body)
			if op.Protocol != tc.proto || op.Service != tc.service || op.Name != tc.opName || op.Action != tc.action {
				t.Fatalf("Classify = %v %q %q %q, want %v %q %q %q", op.Protocol, op.Service, op.Name, op.Action, tc.proto, tc.service, tc.opName, tc.action)
			}
			got := op.Resources("111111111111", "eu-west-1")
			slices.Sort(got)
			if !slices.Equal(got, tc.resources) {
				t.Errorf("Resources = %q, want %q", got, tc.resources)
			}
		})
	}
}

// TestLambdaRoutesMatchTheSDK calls every operation of the route table with the Lambda
// SDK client and checks that the middleware names it as the table says: the table's paths
// are those the SDK sends.
func TestLambdaRoutesMatchTheSDK(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []Operation
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, Classify(r, body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})
	srv := httptest.NewServer(New(Options{}).Wrap(inner))
	defer srv.Close()
	cl := lambda.New(lambda.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: keyPair("111111111111", "x")})
	ctx := context.Background()
	fn, q := aws.String("fn"), aws.String("live")
	calls := map[string]func() error{
		"CreateFunction": func() error {
			_, err := cl.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: fn, Role: aws.String("arn:aws:iam::1:role/r"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("zip")}})
			return err
		},
		"ListFunctions": func() error { _, err := cl.ListFunctions(ctx, &lambda.ListFunctionsInput{}); return err },
		"GetFunction": func() error {
			_, err := cl.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"DeleteFunction": func() error {
			_, err := cl.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"GetFunctionConfiguration": func() error {
			_, err := cl.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"UpdateFunctionConfiguration": func() error {
			_, err := cl.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: fn})
			return err
		},
		"UpdateFunctionCode": func() error {
			_, err := cl.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: fn, ZipFile: []byte("zip")})
			return err
		},
		"PublishVersion": func() error {
			_, err := cl.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: fn})
			return err
		},
		"ListVersionsByFunction": func() error {
			_, err := cl.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: fn})
			return err
		},
		"CreateAlias": func() error {
			_, err := cl.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: fn, Name: q, FunctionVersion: aws.String("1")})
			return err
		},
		"ListAliases": func() error { _, err := cl.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: fn}); return err },
		"GetAlias":    func() error { _, err := cl.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: fn, Name: q}); return err },
		"UpdateAlias": func() error {
			_, err := cl.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: fn, Name: q})
			return err
		},
		"DeleteAlias": func() error {
			_, err := cl.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: fn, Name: q})
			return err
		},
		"Invoke": func() error {
			_, err := cl.Invoke(ctx, &lambda.InvokeInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"InvokeWithResponseStream": func() error {
			_, err := cl.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"InvokeAsync": func() error {
			_, err := cl.InvokeAsync(ctx, &lambda.InvokeAsyncInput{FunctionName: fn, InvokeArgs: strings.NewReader("{}")})
			return err
		},
		"GetPolicy": func() error {
			_, err := cl.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"AddPermission": func() error {
			_, err := cl.AddPermission(ctx, &lambda.AddPermissionInput{FunctionName: fn, Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("s3.amazonaws.com"), StatementId: aws.String("s1")})
			return err
		},
		"RemovePermission": func() error {
			_, err := cl.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: fn, StatementId: aws.String("s1")})
			return err
		},
		"PutProvisionedConcurrencyConfig": func() error {
			_, err := cl.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: fn, Qualifier: q, ProvisionedConcurrentExecutions: aws.Int32(2)})
			return err
		},
		"GetProvisionedConcurrencyConfig": func() error {
			_, err := cl.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"DeleteProvisionedConcurrencyConfig": func() error {
			_, err := cl.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: fn, Qualifier: q})
			return err
		},
		"ListProvisionedConcurrencyConfigs": func() error {
			_, err := cl.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: fn})
			return err
		},
		"PutFunctionConcurrency": func() error {
			_, err := cl.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: fn, ReservedConcurrentExecutions: aws.Int32(5)})
			return err
		},
		"DeleteFunctionConcurrency": func() error {
			_, err := cl.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: fn})
			return err
		},
		"GetFunctionConcurrency": func() error {
			_, err := cl.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: fn})
			return err
		},
		"GetAccountSettings": func() error { _, err := cl.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{}); return err },
		"ListTags": func() error {
			_, err := cl.ListTags(ctx, &lambda.ListTagsInput{Resource: aws.String("arn:aws:lambda:eu-west-1:111111111111:function:fn")})
			return err
		},
		"TagResource": func() error {
			_, err := cl.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String("arn:aws:lambda:eu-west-1:111111111111:function:fn"), Tags: map[string]string{"a": "b"}})
			return err
		},
		"UntagResource": func() error {
			_, err := cl.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String("arn:aws:lambda:eu-west-1:111111111111:function:fn"), TagKeys: []string{"a"}})
			return err
		},
	}
	for _, rt := range LambdaRoutes {
		call, ok := calls[rt.Operation]
		if !ok {
			t.Errorf("no SDK call for route %s", rt.Operation)
			continue
		}
		mu.Lock()
		seen = nil
		mu.Unlock()
		_ = call() // responses of {} do not always deserialize; the request is what counts
		mu.Lock()
		got := slices.Clone(seen)
		mu.Unlock()
		if len(got) != 1 {
			t.Errorf("%s: %d requests reached the handler", rt.Operation, len(got))
			continue
		}
		op := got[0]
		if op.Name != rt.Operation || op.Action != "lambda:"+rt.Action {
			t.Errorf("%s: classified as %q (%q)", rt.Operation, op.Name, op.Action)
		}
		res := op.Resources("111111111111", "eu-west-1")
		var want string
		switch rt.resource {
		case lambdaNone:
			want = "*"
		case lambdaARN:
			want = "arn:aws:lambda:eu-west-1:111111111111:function:fn"
		default:
			want = "arn:aws:lambda:eu-west-1:111111111111:function:fn"
			if strings.Contains(rt.Operation, "Provisioned") && rt.Operation != "ListProvisionedConcurrencyConfigs" ||
				slices.Contains([]string{"GetFunction", "DeleteFunction", "GetFunctionConfiguration", "Invoke", "InvokeWithResponseStream", "GetPolicy"}, rt.Operation) {
				want += ":live"
			}
		}
		if len(res) != 1 || res[0] != want {
			t.Errorf("%s: resources %q, want %s", rt.Operation, res, want)
		}
	}
}
