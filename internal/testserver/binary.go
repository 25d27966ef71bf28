package testserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildBinary builds cmd/autoscaled into a temporary directory, for tests that run the real
// binary (from TestMain); remove deletes it.
func BuildBinary() (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "autoscaled-bin-")
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "autoscaled")
	if out, err := exec.Command("go", "build", "-o", path, "github.com/autoscaled/autoscaled/cmd/autoscaled").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build autoscaled: %v\n%s", err, out)
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
