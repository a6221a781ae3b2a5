//go:build linux

package localpg

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// osUser is the account PostgreSQL runs as when this process is root
// (PostgreSQL refuses to run as root). A nil *osUser means this process's own user.
type osUser struct {
	name     string
	uid, gid uint32
	// searchAnywhere: the server keeps CAP_DAC_READ_SEARCH, so it reaches a data
	// directory under a path only root may enter (a clone in /root, a test's
	// 0700 temp dir) without tabiji loosening anyone's permissions.
	searchAnywhere bool
}

func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no `postgres` user to run it as (%v): "+
			"create one with `useradd --system postgres`, or run tabiji as a normal user", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of user postgres: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of user postgres: %w", err)
	}
	return &osUser{name: u.Username, uid: uint32(uid), gid: uint32(gid), searchAnywhere: canGrantSearch()}, nil
}

// canGrantSearch reports whether CAP_DAC_READ_SEARCH may be handed to a child
// as an ambient capability: it must be in this process's bounding set (a
// container may have dropped it).
func canGrantSearch() bool {
	in, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, unix.CAP_DAC_READ_SEARCH, 0, 0, 0)
	return err == nil && in == 1
}

// attr returns how to start a PostgreSQL program. The postmaster gets its own
// process group, so a Ctrl-C meant for tabiji does not stop the database
// under it, and a parent-death signal, so it shuts down (fast) when this
// process dies, even by SIGKILL, instead of lingering with the port.
func (u *osUser) attr(postmaster bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if u != nil {
		a.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid}
		if u.searchAnywhere {
			a.AmbientCaps = []uintptr{unix.CAP_DAC_READ_SEARCH}
		}
	}
	if postmaster {
		a.Setpgid = true
		a.Pdeathsig = syscall.SIGINT
	}
	return a
}

// own gives path to the server user (no-op when not root).
func (u *osUser) own(path string) error {
	if u == nil {
		return nil
	}
	if err := os.Lchown(path, int(u.uid), int(u.gid)); err != nil {
		return fmt.Errorf("give %s to user %s: %w", path, u.name, err)
	}
	return nil
}

// ownTree gives dir and everything in it to the server user, when dir is not
// already its (a cluster made by another account, or copied as root).
func (u *osUser) ownTree(dir string) error {
	if u == nil {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == u.uid {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return u.own(p)
	})
}

// checkReach reports an actionable error when the server user cannot search
// every directory above dir: postgres must reach its data directory.
func (u *osUser) checkReach(dir string) error {
	if u == nil || u.searchAnywhere {
		return nil
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok && !searchable(st, u.uid, u.gid) {
			return fmt.Errorf("user %s, which runs PostgreSQL because it refuses to run as root, cannot reach %s: "+
				"directory %s is %v (owner uid %d): run `chmod o+x %s`, or choose a data directory under a path all users can enter",
				u.name, dir, d, fi.Mode().Perm(), st.Uid, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func searchable(st *syscall.Stat_t, uid, gid uint32) bool {
	switch {
	case st.Uid == uid:
		return st.Mode&0o100 != 0
	case st.Gid == gid:
		return st.Mode&0o010 != 0
	default:
		return st.Mode&0o001 != 0
	}
}

// inspectPostmaster tells whether pid is a running postgres, and whether it
// is an orphan (its parent died: it was left behind by a crashed tabiji or
// started by pg_ctl) rather than the child of a live process.
func inspectPostmaster(pid int) (running, orphan bool, parent string) {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false, false, ""
	}
	exe, _, _ := strings.Cut(string(cmdline), "\x00")
	if base := filepath.Base(exe); base != "postgres" && base != "postmaster" {
		return false, false, "" // the pid was reused by another program
	}
	ppid := parentPID(pid)
	if ppid <= 1 {
		return true, true, ""
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", ppid))
	return true, false, fmt.Sprintf("pid %d (%s)", ppid, strings.TrimSpace(string(comm)))
}

func parentPID(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name: state, ppid, ...
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// workDir is where the server's programs start. With searchAnywhere the
// capability only takes effect at exec, after the working directory is set,
// so they start at / and reach the data root by its absolute path.
func (u *osUser) workDir(root string) string {
	if u != nil && u.searchAnywhere {
		return "/"
	}
	return root
}
