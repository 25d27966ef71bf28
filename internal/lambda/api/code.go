package lambdaapi

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Lambda's code size limits.
const (
	// MaxZipSize is the largest deployment package uploaded directly (CodeSizeZipped).
	MaxZipSize = 50 * 1024 * 1024
	// MaxUnzippedSize is the largest unpacked deployment package (CodeSizeUnzipped).
	MaxUnzippedSize = 250 * 1024 * 1024
	// TotalCodeSizeLimit is the account's code storage (TotalCodeSize): 75 GB.
	TotalCodeSizeLimit = 75 * 1024 * 1024 * 1024
)

// code is a deployment package: its hashes and size.
type code struct {
	sha  string // hex
	size int64
}

func hexToBase64(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// pathPart keeps a scope component inside its directory.
func pathPart(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

// fnDir is the directory of a function's code: DataDir/<account>/<region>/<function>.
func (s *Service) fnDir(sc autoscaling.Scope, name string) string {
	return filepath.Join(s.o.DataDir, pathPart(sc.Account), pathPart(sc.Region), pathPart(name))
}

// codeDir is the unpacked code of one package.
func (s *Service) codeDir(sc autoscaling.Scope, name, sha string) string {
	return filepath.Join(s.fnDir(sc, name), sha)
}

// checkZip validates a deployment package and returns its hash and size.
func checkZip(b []byte) (code, *Error) {
	if len(b) == 0 {
		return code{}, errInvalid("Please provide a source for function code.")
	}
	if len(b) > MaxZipSize {
		return code{}, newErr(ErrInvalid, CodeRequestTooLarge, "Request must be smaller than %d bytes for the operation", MaxZipSize)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return code{}, errInvalid("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if _, err := entryPath(f.Name); err != nil {
			return code{}, errInvalid("Could not unzip uploaded file. Please check your file, then try to upload again. (%v)", err)
		}
	}
	if total > MaxUnzippedSize {
		return code{}, errInvalid("Unzipped size must be smaller than %d bytes", MaxUnzippedSize)
	}
	sum := sha256.Sum256(b)
	return code{sha: hex.EncodeToString(sum[:]), size: int64(len(b))}, nil
}

// entryPath cleans a zip entry's name into a relative path that stays inside the package.
func entryPath(name string) (string, error) {
	name = strings.ReplaceAll(name, `\`, "/")
	clean := filepath.Clean(filepath.FromSlash(strings.TrimPrefix(name, "/")))
	if clean == "." {
		return "", nil
	}
	if strings.HasPrefix(name, "/") || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || filepath.IsAbs(clean) {
		return "", fmt.Errorf("entry %q leaves the package", name)
	}
	return clean, nil
}

// saveCode writes a package to DataDir/<account>/<region>/<function>/<sha>.zip and unpacks it
// into .../<sha>/ (both content-addressed: a package already there is kept). The files keep
// the modes of the zip; bootstrap is made executable when the zip lost its x bit.
func (s *Service) saveCode(sc autoscaling.Scope, name string, c code, b []byte) error {
	dir := s.fnDir(sc, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	zipPath := filepath.Join(dir, c.sha+".zip")
	if _, err := os.Stat(zipPath); err != nil {
		tmp, err := os.CreateTemp(dir, ".upload-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(b)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), zipPath)
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return werr
		}
	}
	return s.unpack(dir, c.sha, b)
}

// ensureCode makes sure the unpacked code of a stored package exists, unpacking its zip
// again if need be.
func (s *Service) ensureCode(sc autoscaling.Scope, name, sha string) error {
	dir := s.fnDir(sc, name)
	if _, err := os.Stat(filepath.Join(dir, sha)); err == nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, sha+".zip"))
	if err != nil {
		return fmt.Errorf("code %s of function %s is missing: %w", sha, name, err)
	}
	return s.unpack(dir, sha, b)
}

// unpack extracts a zip into dir/sha through a temporary directory renamed into place.
func (s *Service) unpack(dir, sha string, b []byte) error {
	final := filepath.Join(dir, sha)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	tmp, err := os.MkdirTemp(dir, ".unpack-*")
	if err != nil {
		return err
	}
	if err := extract(tmp, b); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(final); serr == nil {
			return nil // unpacked meanwhile by another request
		}
		return err
	}
	return nil
}

func extract(dst string, b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	var written int64
	for _, f := range zr.File {
		rel, err := entryPath(f.Name)
		if err != nil {
			return err
		}
		if rel == "" {
			continue
		}
		p := filepath.Join(dst, rel)
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		case mode&fs.ModeSymlink != 0:
			if err := extractSymlink(dst, p, f); err != nil {
				return err
			}
			continue
		case !mode.IsRegular():
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		perm := mode.Perm() | 0o444 // Lambda's packages are readable by the function
		if perm&0o200 == 0 {
			perm |= 0o200
		}
		if rel == "bootstrap" {
			perm |= 0o555
		}
		n, err := extractFile(p, f, perm, MaxUnzippedSize-written)
		written += n
		if err != nil {
			return err
		}
	}
	return nil
}

func extractFile(p string, f *zip.File, perm fs.FileMode, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = errors.New("unzipped size above the limit")
	}
	if err == nil {
		err = os.Chmod(p, perm) // the umask does not apply: keep the zip's modes
	}
	return n, err
}

// extractSymlink creates a symbolic link whose target stays inside the package.
func extractSymlink(root, p string, f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	target, err := io.ReadAll(io.LimitReader(rc, 4096))
	rc.Close()
	if err != nil {
		return err
	}
	t := string(target)
	resolved := t
	if !filepath.IsAbs(t) {
		resolved = filepath.Join(filepath.Dir(p), t)
	}
	if rel, err := filepath.Rel(root, resolved); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(t) {
		return fmt.Errorf("symbolic link %s leaves the package", f.Name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.Symlink(t, p)
}

// gcCode deletes the packages of a function that no version uses, except keep (the package
// just replaced: invocations in flight and queued events may still run it), and leftovers of
// interrupted uploads. Callers hold s.mu, so no upload is in progress.
func (s *Service) gcCode(sc autoscaling.Scope, fn *function, keep string) {
	dir := s.fnDir(sc, fn.Name)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	used := fn.codeSHAs()
	for _, de := range ents {
		name := de.Name()
		sha := strings.TrimSuffix(name, ".zip")
		if used[sha] || sha == keep {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			s.log.Warn("lambda: remove code", "function", fn.Name, "err", err)
		}
	}
}

// removeFunctionDir deletes every package of a function.
func (s *Service) removeFunctionDir(sc autoscaling.Scope, name string) {
	if err := os.RemoveAll(s.fnDir(sc, name)); err != nil {
		s.log.Warn("lambda: remove function code", "function", name, "err", err)
	}
}
