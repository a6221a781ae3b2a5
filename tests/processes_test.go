package tests

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/tabiji/tabiji/devtemporal"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/temporalheaders"
)

// production is the production shape from the built binary: Temporal (the
// embedded server, standing for a cluster), a migrated Postgres, and as
// many `tabiji api` and `tabiji worker` processes as a test starts.
type production struct {
	t        testing.TB
	temporal string // the frontend's address
	dbURL    string
	env      []string // every process's environment
	store    *store.Store
	admin    string
	write    string
}

func startProduction(t *testing.T) *production {
	t.Helper()
	srv, err := devtemporal.Start(context.Background(), devtemporal.Options{DataDir: t.TempDir(), FrontendAddress: "127.0.0.1:0", UIAddress: devtemporal.UIOff})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return productionOn(t, srv.FrontendAddress())
}

// productionOn is the production shape on the Temporal frontend at
// temporal: a new database migrated by `tabiji migrate` from the built
// binary, the default workspace and its keys.
func productionOn(t testing.TB, temporal string) *production {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.EmptyURL(t)
	env := append(clearProdEnv(nil), "DATABASE_URL="+dbURL, "TEMPORAL_ADDRESS="+temporal,
		"TABIJI_TASK_QUEUE=tabiji-prod", "TABIJI_SECRETS_KEY="+e2eSecretsKey, "TABIJI_METRICS_ADDR=")
	if m := startProc(t, env, "migrate"); m.wait(t, 2*time.Minute) != nil {
		t.Fatalf("tabiji migrate: %s%s", m.stdout.String(), m.stderr.String())
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.EnsureWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	p := &production{t: t, temporal: temporal, dbURL: dbURL, store: st, env: env}
	if p.admin, _, err = st.CreateKey(ctx, "default", store.RoleAdmin, "ops"); err != nil {
		t.Fatal(err)
	}
	if p.write, _, err = st.CreateKey(ctx, "default", store.RoleWrite, "ops"); err != nil {
		t.Fatal(err)
	}
	return p
}

// client dials the production Temporal as the processes do (payload codec,
// escaped headers), for a test to look at runs.
func (p *production) client() client.Client {
	p.t.Helper()
	opts := client.Options{HostPort: p.temporal, Namespace: "default"}
	e2eCodec(p.t).Configure(&opts)
	temporalheaders.Configure(&opts)
	c, err := client.Dial(opts)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(c.Close)
	return c
}

// worker starts a `tabiji worker` with the extra environment.
func (p *production) worker(env ...string) *proc {
	p.t.Helper()
	return startProc(p.t, append(append([]string{}, p.env...), env...), "worker")
}

// api starts a `tabiji api` with the extra environment and waits until it
// is ready; the stack drives it over HTTP.
func (p *production) api(env ...string) (*proc, *stack) {
	p.t.Helper()
	addr := freeAddr(p.t)
	api := startProc(p.t, append(append([]string{}, p.env...), append(env, "TABIJI_HTTP_ADDR="+addr)...), "api")
	s := &stack{t: p.t, url: "http://" + addr, admin: p.admin, write: p.write, store: p.store}
	eventually(p.t, time.Minute, "tabiji api to be ready", func() bool {
		select {
		case err := <-api.done:
			p.t.Fatalf("tabiji api exited: %v\n%s", err, api.stderr.String())
		default:
		}
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return api, s
}
