// Command lambdafn is the function of the Lambda seed walkthrough: a custom-runtime
// bootstrap built with aws-lambda-go that sleeps for the event's "ms" milliseconds (as if it
// did work) and answers how long it slept and in which environment.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Ms int `json:"ms"`
}

type answer struct {
	Slept int    `json:"slept"`
	Init  string `json:"init"`
	PID   int    `json:"pid"`
}

func main() {
	lambda.Start(func(ctx context.Context, e event) (answer, error) {
		select {
		case <-time.After(time.Duration(e.Ms) * time.Millisecond):
		case <-ctx.Done():
			return answer{}, ctx.Err()
		}
		return answer{Slept: e.Ms, Init: os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE"), PID: os.Getpid()}, nil
	})
}
