package lambdaapi

import (
	"net/http"
)

type getFunctionOutput struct {
	Configuration *wireConfig       `json:"Configuration"`
	Code          map[string]string `json:"Code"`
	Tags          map[string]string `json:"Tags,omitempty"`
	Concurrency   *wireConcurrency  `json:"Concurrency,omitempty"`
}

type wireConcurrency struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

// configOf resolves a reference to the configuration it names and the FunctionArn to report:
// the unqualified ARN for an unqualified $LATEST, the qualified one otherwise (an alias's ARN
// for an alias, with its version's configuration).
func (s *Service) configOf(c *call) (*entry, *config, string, error) {
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return nil, nil, "", err
	}
	e, err := s.get(ref)
	if err != nil {
		return nil, nil, "", err
	}
	v, err := e.resolve(ref)
	if err != nil {
		return nil, nil, "", err
	}
	return e, e.fn.version(v), ref.arn(), nil
}

func (s *Service) getFunction(c *call) error {
	e, cfg, arn, err := s.configOf(c)
	if err != nil {
		return err
	}
	// The code stays on this server; there is no S3 location to download it from.
	out := getFunctionOutput{Configuration: cfg.wire(e.fn.Name, arn), Code: map[string]string{"RepositoryType": "S3"},
		Tags: e.fn.Tags}
	if e.fn.Reserved != nil {
		out.Concurrency = &wireConcurrency{ReservedConcurrentExecutions: e.fn.Reserved}
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

func (s *Service) getFunctionConfiguration(c *call) error {
	e, cfg, arn, err := s.configOf(c)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, cfg.wire(e.fn.Name, arn))
	return nil
}
