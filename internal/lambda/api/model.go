package lambdaapi

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// LATEST is the unpublished version of a function.
const LATEST = "$LATEST"

// function is what the store keeps of a function (one record per function): its $LATEST
// configuration, its published versions, aliases, reserved concurrency and provisioned
// concurrency configurations. A function in the cache is never changed: a change stores a
// modified clone.
type function struct {
	Name        string               `json:"name"`
	Created     time.Time            `json:"created"`
	Latest      *config              `json:"latest"`
	Versions    []*config            `json:"versions,omitempty"` // published, ascending
	LastVersion int                  `json:"lastVersion"`        // last number given to a version
	Aliases     map[string]*alias    `json:"aliases,omitempty"`
	Reserved    *int                 `json:"reserved,omitempty"`
	PC          map[string]*pcConfig `json:"pc,omitempty"` // by qualifier (alias or version)
	Tags        map[string]string    `json:"tags,omitempty"`
}

// config is the configuration and code of one version.
type config struct {
	Version       string            `json:"version"`
	Runtime       string            `json:"runtime"`
	Role          string            `json:"role"`
	Handler       string            `json:"handler,omitempty"`
	Description   string            `json:"description,omitempty"`
	Timeout       int               `json:"timeout"`
	MemorySize    int               `json:"memorySize"`
	Env           map[string]string `json:"env,omitempty"`
	Architectures []string          `json:"architectures,omitempty"`
	CodeSHA256    string            `json:"codeSha256"` // hex
	CodeSize      int64             `json:"codeSize"`
	LastModified  time.Time         `json:"lastModified"`
	RevisionID    string            `json:"revisionId"`
}

// alias points at a version, optionally with a routing configuration.
type alias struct {
	Name        string             `json:"name"`
	Version     string             `json:"version"`
	Description string             `json:"description,omitempty"`
	Weights     map[string]float64 `json:"weights,omitempty"`
	RevisionID  string             `json:"revisionId"`
}

// pcConfig is a stored provisioned concurrency configuration: what survives a restart.
type pcConfig struct {
	Qualifier    string    `json:"qualifier"`
	Version      string    `json:"version"` // the version it provisions (an alias's target)
	Requested    int       `json:"requested"`
	LastModified time.Time `json:"lastModified"`
}

func (f *function) clone() *function {
	c := *f
	c.Latest = f.Latest.clone()
	c.Versions = make([]*config, len(f.Versions))
	for i, v := range f.Versions {
		c.Versions[i] = v.clone()
	}
	c.Aliases = make(map[string]*alias, len(f.Aliases))
	for k, a := range f.Aliases {
		ac := *a
		ac.Weights = maps.Clone(a.Weights)
		c.Aliases[k] = &ac
	}
	c.PC = make(map[string]*pcConfig, len(f.PC))
	for k, p := range f.PC {
		pc := *p
		c.PC[k] = &pc
	}
	if f.Reserved != nil {
		r := *f.Reserved
		c.Reserved = &r
	}
	c.Tags = maps.Clone(f.Tags)
	return &c
}

func (c *config) clone() *config {
	d := *c
	d.Env = maps.Clone(c.Env)
	d.Architectures = slices.Clone(c.Architectures)
	return &d
}

// version returns a version's configuration ($LATEST or a published number), or nil.
func (f *function) version(v string) *config {
	if v == LATEST {
		return f.Latest
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || strconv.Itoa(n) != v {
		return nil
	}
	i, ok := slices.BinarySearchFunc(f.Versions, n, func(c *config, n int) int { return versionNumber(c.Version) - n })
	if !ok {
		return nil
	}
	return f.Versions[i]
}

func versionNumber(v string) int {
	n, _ := strconv.Atoi(v)
	return n
}

// isVersion reports whether a qualifier names a version ($LATEST or a number), not an alias.
func isVersion(q string) bool {
	if q == LATEST {
		return true
	}
	if q == "" {
		return false
	}
	for i := 0; i < len(q); i++ {
		if q[i] < '0' || q[i] > '9' {
			return false
		}
	}
	return true
}

// pcOfVersion returns the configuration that provisions version v (on the version or through
// an alias), if any.
func (f *function) pcOfVersion(v string) *pcConfig {
	for _, p := range f.PC {
		if p.Version == v {
			return p
		}
	}
	return nil
}

// aliasesOf lists the aliases that route to version v, sorted.
func (f *function) aliasesOf(v string) []string {
	var out []string
	for name, a := range f.Aliases {
		if a.Version == v {
			out = append(out, name)
			continue
		}
		if _, ok := a.Weights[v]; ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// codeSHAs is the set of code hashes any version of the function uses.
func (f *function) codeSHAs() map[string]bool {
	m := map[string]bool{f.Latest.CodeSHA256: true}
	for _, v := range f.Versions {
		m[v.CodeSHA256] = true
	}
	return m
}

// ARNs.

func functionARN(sc autoscaling.Scope, name string) string {
	return "arn:aws:lambda:" + sc.Region + ":" + sc.Account + ":function:" + name
}

func qualifiedARN(sc autoscaling.Scope, name, qualifier string) string {
	if qualifier == "" {
		return functionARN(sc, name)
	}
	return functionARN(sc, name) + ":" + qualifier
}

// Timestamps as Lambda writes them.
const (
	lastModifiedLayout = "2006-01-02T15:04:05.000-0700"
	pcTimeLayout       = "2006-01-02T15:04:05-0700"
)

func formatLastModified(t time.Time) string { return t.UTC().Format(lastModifiedLayout) }

// Wire shapes.

type wireEnvironment struct {
	Variables map[string]string `json:"Variables"`
}

type wireConfig struct {
	FunctionName     string           `json:"FunctionName"`
	FunctionArn      string           `json:"FunctionArn"`
	Runtime          string           `json:"Runtime"`
	Role             string           `json:"Role"`
	Handler          string           `json:"Handler,omitempty"`
	CodeSize         int64            `json:"CodeSize"`
	Description      string           `json:"Description"`
	Timeout          int              `json:"Timeout"`
	MemorySize       int              `json:"MemorySize"`
	LastModified     string           `json:"LastModified"`
	CodeSha256       string           `json:"CodeSha256"`
	Version          string           `json:"Version"`
	Environment      *wireEnvironment `json:"Environment,omitempty"`
	TracingConfig    map[string]any   `json:"TracingConfig"`
	RevisionId       string           `json:"RevisionId"`
	State            string           `json:"State"`
	LastUpdateStatus string           `json:"LastUpdateStatus"`
	PackageType      string           `json:"PackageType"`
	Architectures    []string         `json:"Architectures"`
	EphemeralStorage map[string]any   `json:"EphemeralStorage"`
	SnapStart        map[string]any   `json:"SnapStart"`
	LoggingConfig    map[string]any   `json:"LoggingConfig"`
}

// wire is the FunctionConfiguration of version c of f, with arn as its FunctionArn.
// State is Active at once: CreateFunction and UpdateFunctionCode unpack the code before they
// answer (real Lambda answers Pending, then becomes Active).
func (c *config) wire(name, arn string) *wireConfig {
	w := &wireConfig{
		FunctionName:     name,
		FunctionArn:      arn,
		Runtime:          c.Runtime,
		Role:             c.Role,
		Handler:          c.Handler,
		CodeSize:         c.CodeSize,
		Description:      c.Description,
		Timeout:          c.Timeout,
		MemorySize:       c.MemorySize,
		LastModified:     formatLastModified(c.LastModified),
		CodeSha256:       hexToBase64(c.CodeSHA256),
		Version:          c.Version,
		TracingConfig:    map[string]any{"Mode": "PassThrough"},
		RevisionId:       c.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    c.Architectures,
		EphemeralStorage: map[string]any{"Size": 512},
		SnapStart:        map[string]any{"ApplyOn": "None", "OptimizationStatus": "Off"},
		LoggingConfig:    map[string]any{"LogFormat": "Text", "LogGroup": "/aws/lambda/" + name},
	}
	if len(w.Architectures) == 0 {
		w.Architectures = []string{"x86_64"}
	}
	if len(c.Env) > 0 {
		w.Environment = &wireEnvironment{Variables: c.Env}
	}
	return w
}

type wireAlias struct {
	AliasArn        string             `json:"AliasArn"`
	Name            string             `json:"Name"`
	FunctionVersion string             `json:"FunctionVersion"`
	Description     string             `json:"Description"`
	RoutingConfig   *wireRoutingConfig `json:"RoutingConfig,omitempty"`
	RevisionId      string             `json:"RevisionId"`
}

type wireRoutingConfig struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

func (a *alias) wire(sc autoscaling.Scope, fn string) *wireAlias {
	w := &wireAlias{AliasArn: qualifiedARN(sc, fn, a.Name), Name: a.Name, FunctionVersion: a.Version,
		Description: a.Description, RevisionId: a.RevisionID}
	if len(a.Weights) > 0 {
		w.RoutingConfig = &wireRoutingConfig{AdditionalVersionWeights: a.Weights}
	}
	return w
}
