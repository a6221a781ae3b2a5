package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tabiji/tabiji/channels"
	"github.com/tabiji/tabiji/channels/outbox"
	"github.com/tabiji/tabiji/pgtest"
	"github.com/tabiji/tabiji/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func setup(t *testing.T) (*store.Store, *outbox.Sender) {
	st := pgtest.Store(t)
	require.NoError(t, st.EnsureWorkspace(context.Background(), "ws_1", "One"))
	require.NoError(t, st.EnsureWorkspace(context.Background(), "ws_2", "Two"))
	return st, outbox.NewSender(st)
}

func only(t *testing.T, st *store.Store, ws string) store.Message {
	t.Helper()
	msgs, _, err := st.ListMessages(context.Background(), ws, store.MessageFilter{})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	return msgs[0]
}

func TestSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	email := channels.Message{
		ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", WorkflowID: "wf_1", NodeID: "welcome", Channel: "email",
		To: "ann@example.com", Email: &channels.Email{Subject: "Hi", HTML: "<p>Hi</p>", Text: "Hi"},
	}
	t.Run("RecordsTheRowTheSendActivityWrites", func(t *testing.T) {
		t.Parallel()
		st, s := setup(t)
		res, err := s.SendFrom(ctx, email, outbox.Origin{JourneyID: "jr_1", JourneyVersion: 3, RunID: "run_1"})
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: "msg_1"}, res)
		got := only(t, st, "ws_1")
		got.CreatedAt = got.CreatedAt.UTC()
		assert.Equal(t, store.Message{
			ID: "msg_1", WorkspaceID: "ws_1", CustomerID: "u_1", JourneyID: "jr_1", JourneyVersion: 3, WorkflowID: "wf_1",
			RunID: "run_1", NodeID: "welcome", Channel: "email", Subject: "Hi", Body: "<p>Hi</p>", Status: "recorded",
			CreatedAt: got.CreatedAt,
		}, got)
	})
	t.Run("ARepeatedMessageIsAlreadyAcceptedAndUnchanged", func(t *testing.T) {
		t.Parallel()
		st, s := setup(t)
		_, err := s.Send(ctx, email)
		require.NoError(t, err)
		again := email
		again.Email = &channels.Email{Subject: "Changed", HTML: "<p>Changed</p>"}
		res, err := s.Send(ctx, again)
		require.NoError(t, err)
		assert.Equal(t, channels.Result{ProviderID: "msg_1", AlreadyAccepted: true}, res)
		assert.Equal(t, "Hi", only(t, st, "ws_1").Subject)
	})
	t.Run("KeepsPushAndLINEContent", func(t *testing.T) {
		t.Parallel()
		st, s := setup(t)
		_, err := s.Send(ctx, channels.Message{ID: "p", WorkspaceID: "ws_1", CustomerID: "u", Channel: "push", Push: &channels.Push{Title: "Sale", Body: "Today only"}})
		require.NoError(t, err)
		_, err = s.Send(ctx, channels.Message{ID: "l", WorkspaceID: "ws_2", CustomerID: "u", Channel: "line", LINE: []json.RawMessage{json.RawMessage(`{"type":"text","text":"hi"}`)}})
		require.NoError(t, err)
		push := only(t, st, "ws_1")
		assert.Equal(t, []string{"Sale", "Today only"}, []string{push.Subject, push.Body})
		assert.JSONEq(t, `[{"type":"text","text":"hi"}]`, only(t, st, "ws_2").Body)
	})
	t.Run("ErrorsArePermanentForNoContentAndWrappedForTheStore", func(t *testing.T) {
		t.Parallel()
		_, s := setup(t)
		_, err := s.Send(ctx, channels.Message{ID: "x", WorkspaceID: "ws_1", CustomerID: "u", Channel: "email"})
		assert.True(t, channels.IsPermanent(err))
		_, err = s.Send(ctx, email)
		require.NoError(t, err)
		other := email
		other.WorkspaceID = "ws_2"
		_, err = s.Send(ctx, other)
		assert.True(t, errors.Is(err, store.ErrConflict), "err = %v", err)
	})
}
