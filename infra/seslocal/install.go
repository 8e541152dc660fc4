package seslocal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// MakeTarget is the Makefile target that installs aws-ses-v2-local from
// infra/ses-local's lockfile; `make run` and `make test` depend on it.
const MakeTarget = "ses-local"

const pkgName = "aws-ses-v2-local"

// checkInstalled returns nil when the binary exists and the installed package
// has the version package-lock.json pins, else why not.
func checkInstalled(dir string) error {
	bin := filepath.Join(dir, "node_modules", ".bin", pkgName)
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s is missing", bin)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := readJSON(filepath.Join(dir, "package-lock.json"), &lock); err != nil {
		return err
	}
	want := lock.Packages["node_modules/"+pkgName].Version
	if want == "" {
		return fmt.Errorf("package-lock.json in %s does not pin %s", dir, pkgName)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(dir, "node_modules", pkgName, "package.json"), &pkg); err != nil {
		return err
	}
	if pkg.Version != want {
		return fmt.Errorf("%s %s is installed, package-lock.json pins %s", pkgName, pkg.Version, want)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
