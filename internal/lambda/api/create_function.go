package lambdaapi

import (
	"net/http"
	"slices"
	"strings"
)

// Runtimes that run on this server: OS-only runtimes, whose bootstrap is the function's own
// executable.
var supportedRuntimes = []string{"provided.al2023", "provided.al2", "provided"}

// reservedEnv are the variables Lambda does not let a function set.
var reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}

type functionCodeInput struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageUri        string `json:"ImageUri"`
}

type environmentInput struct {
	Variables map[string]string `json:"Variables"`
}

type createFunctionInput struct {
	FunctionName  string             `json:"FunctionName"`
	Runtime       string             `json:"Runtime"`
	Role          string             `json:"Role"`
	Handler       string             `json:"Handler"`
	Code          *functionCodeInput `json:"Code"`
	Description   string             `json:"Description"`
	Timeout       *int               `json:"Timeout"`
	MemorySize    *int               `json:"MemorySize"`
	Publish       bool               `json:"Publish"`
	PackageType   string             `json:"PackageType"`
	Environment   *environmentInput  `json:"Environment"`
	Tags          map[string]string  `json:"Tags"`
	Architectures []string           `json:"Architectures"`
}

// checkRuntime accepts the runtimes this server runs.
func checkRuntime(rt string) *Error {
	if slices.Contains(supportedRuntimes, rt) {
		return nil
	}
	return errInvalid("The runtime parameter of %s is not supported by this server: functions run here as native executables, with the OS-only runtimes %s (build a bootstrap with aws-lambda-go or another runtime client).",
		rt, strings.Join(supportedRuntimes, ", "))
}

func checkTimeout(t int) *Error {
	if t < 1 {
		return errValidation(t, "timeout", "Member must have value greater than or equal to 1")
	}
	if t > 900 {
		return errValidation(t, "timeout", "Member must have value less than or equal to 900")
	}
	return nil
}

func checkMemory(m int) *Error {
	if m < 128 {
		return errValidation(m, "memorySize", "Member must have value greater than or equal to 128")
	}
	if m > 10240 {
		return errValidation(m, "memorySize", "Member must have value less than or equal to 10240")
	}
	return nil
}

func checkRole(role string) *Error {
	if !reRole.MatchString(role) {
		return errValidation(role, "role", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	return nil
}

func checkEnv(env map[string]string) *Error {
	var used []string
	size := 0
	for k, v := range env {
		if slices.Contains(reservedEnv, k) {
			used = append(used, k)
		}
		size += len(k) + len(v)
		if !reEnvKey.MatchString(k) {
			return errValidation(k, "environment.variables", "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+")
		}
	}
	if len(used) > 0 {
		slices.Sort(used)
		return errInvalid("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(used, ","))
	}
	if size > 4096 {
		return errInvalid("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d bytes", size)
	}
	return nil
}

func checkArchitectures(a []string) *Error {
	if len(a) == 0 {
		return nil
	}
	if len(a) > 1 || (a[0] != "x86_64" && a[0] != "arm64") {
		return errValidation(strings.Join(a, ","), "architectures", "Member must have length less than or equal to 1, Member must satisfy enum value set: [x86_64, arm64]")
	}
	return nil
}

// checkCode validates the Code of CreateFunction and UpdateFunctionCode: only ZipFile.
func checkCode(zipFile []byte, s3Bucket, s3Key, image string) (code, *Error) {
	switch {
	case image != "":
		return code{}, errInvalid("Container images are not supported by this server: upload a zip deployment package (ZipFile) with an OS-only runtime.")
	case s3Bucket != "" || s3Key != "":
		return code{}, errInvalid("Code in S3 (S3Bucket %s, S3Key %s) is not supported by this server: upload the zip in ZipFile (aws lambda ... --zip-file fileb://function.zip).", s3Bucket, s3Key)
	}
	return checkZip(zipFile)
}

func (s *Service) createFunction(c *call) error {
	var in createFunctionInput
	if err := c.decode(&in, maxCodeBody); err != nil {
		return err
	}
	if in.FunctionName == "" {
		return errValidation("null", "functionName", "Member must not be null")
	}
	ref, err := parseUnqualified(c.scope, in.FunctionName)
	if err != nil {
		return err
	}
	if in.PackageType == "Image" {
		return errInvalid("Container images are not supported by this server: upload a zip deployment package (ZipFile) with an OS-only runtime.")
	}
	if in.PackageType != "" && in.PackageType != "Zip" {
		return errValidation(in.PackageType, "packageType", "Member must satisfy enum value set: [Zip, Image]")
	}
	if in.Role == "" {
		return errValidation("null", "role", "Member must not be null")
	}
	if err := checkRole(in.Role); err != nil {
		return err
	}
	if in.Runtime == "" {
		return errInvalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if err := checkRuntime(in.Runtime); err != nil {
		return err
	}
	cfg := &config{Version: LATEST, Runtime: in.Runtime, Role: in.Role, Handler: in.Handler, Description: in.Description,
		Timeout: 3, MemorySize: 128, Architectures: in.Architectures}
	if in.Timeout != nil {
		if err := checkTimeout(*in.Timeout); err != nil {
			return err
		}
		cfg.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		if err := checkMemory(*in.MemorySize); err != nil {
			return err
		}
		cfg.MemorySize = *in.MemorySize
	}
	if err := checkArchitectures(in.Architectures); err != nil {
		return err
	}
	if len(cfg.Architectures) == 0 {
		cfg.Architectures = []string{"x86_64"}
	}
	if in.Environment != nil && len(in.Environment.Variables) > 0 {
		if err := checkEnv(in.Environment.Variables); err != nil {
			return err
		}
		cfg.Env = in.Environment.Variables
	}
	if in.Code == nil {
		return errValidation("null", "code", "Member must not be null")
	}
	pkg, err := checkCode(in.Code.ZipFile, in.Code.S3Bucket, in.Code.S3Key, in.Code.ImageUri)
	if err != nil {
		return err
	}
	cfg.CodeSHA256, cfg.CodeSize = pkg.sha, pkg.size

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lookup(ref.scope, ref.name) != nil {
		return errConflict("Function already exist: %s", ref.name)
	}
	if err := s.saveCode(ref.scope, ref.name, pkg, in.Code.ZipFile); err != nil {
		return err
	}
	now := s.now()
	cfg.LastModified = now
	cfg.RevisionID = newRevision()
	fn := &function{Name: ref.name, Created: now, Latest: cfg, Tags: in.Tags}
	out := cfg
	arn := functionARN(ref.scope, ref.name)
	if in.Publish {
		out = fn.publish(cfg, in.Description, now)
		arn = qualifiedARN(ref.scope, ref.name, out.Version)
	}
	if _, err := s.save(c.r.Context(), fnKey{ref.scope, ref.name}, fn); err != nil {
		s.removeFunctionDir(ref.scope, ref.name)
		return err
	}
	writeJSON(c.w, http.StatusCreated, out.wire(ref.name, arn))
	return nil
}
