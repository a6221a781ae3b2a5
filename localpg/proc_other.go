//go:build !linux

package localpg

import (
	"errors"
	"os"
	"syscall"
)

// osUser is the account PostgreSQL runs as. Outside Linux only the current
// user is supported, so it is always nil.
type osUser struct{}

func serverUser() (*osUser, error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("PostgreSQL refuses to run as root: run tabiji as a normal user, or set DATABASE_URL")
	}
	return nil, nil
}

func (u *osUser) attr(bool) *syscall.SysProcAttr { return nil }
func (u *osUser) own(string) error               { return nil }
func (u *osUser) ownTree(string) error           { return nil }
func (u *osUser) checkReach(string) error        { return nil }
func (u *osUser) workDir(root string) string     { return root }

// inspectPostmaster cannot look at other processes here: it lets the caller
// ask pg_ctl, and treats a running postmaster as left behind.
func inspectPostmaster(int) (running, orphan bool, parent string) {
	return true, true, ""
}
