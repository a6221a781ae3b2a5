package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MessageTemplate is a message template of one channel with the content of
// one version (the latest, unless asked for another).
type MessageTemplate struct {
	WorkspaceID   string
	ID            string
	Channel       string // "email", "line", "push"
	Name          string
	LatestVersion int
	Version       int             // the version Content belongs to
	Content       json.RawMessage // msgtemplates.Content of that version
	CreatedAt     time.Time
	UpdatedAt     time.Time
	VersionAt     time.Time // when that version was stored
}

// MessageTemplateVersion is one stored version of a template's content.
type MessageTemplateVersion struct {
	Version   int
	Content   json.RawMessage
	CreatedAt time.Time
}

// messageTemplateColumns reads a template joined to one of its versions (t, v).
const messageTemplateColumns = `t.workspace_id, t.id, t.channel, t.name, t.latest_version,
	v.version, v.content, t.created_at, t.updated_at, v.created_at`

func scanMessageTemplate(row pgx.Row) (MessageTemplate, error) {
	var m MessageTemplate
	err := row.Scan(&m.WorkspaceID, &m.ID, &m.Channel, &m.Name, &m.LatestVersion,
		&m.Version, &m.Content, &m.CreatedAt, &m.UpdatedAt, &m.VersionAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return MessageTemplate{}, ErrNotFound
	}
	return m, err
}

const selectMessageTemplate = `SELECT ` + messageTemplateColumns + `
	FROM message_templates t
	JOIN message_template_versions v ON v.workspace_id = t.workspace_id AND v.template_id = t.id`

// CreateMessageTemplate stores a template whose version 1 is content. It
// returns ErrConflict when the workspace has a template with this id, and
// ErrNotFound when the workspace does not exist.
func (s *Store) CreateMessageTemplate(ctx context.Context, workspaceID, id, channel, name string, content json.RawMessage) (MessageTemplate, error) {
	if len(content) == 0 {
		return MessageTemplate{}, errors.New("store: unable to create message template: empty content")
	}
	var m MessageTemplate
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO message_templates (workspace_id, id, channel, name, latest_version)
			VALUES ($1, $2, $3, $4, 1)`, workspaceID, id, channel, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO message_template_versions (workspace_id, template_id, version, content)
			VALUES ($1, $2, 1, $3)`, workspaceID, id, content); err != nil {
			return err
		}
		var err error
		m, err = scanMessageTemplate(tx.QueryRow(ctx, selectMessageTemplate+`
			WHERE t.workspace_id = $1 AND t.id = $2 AND v.version = 1`, workspaceID, id))
		return err
	})
	switch pgCode(err) {
	case uniqueViolation:
		return MessageTemplate{}, fmt.Errorf("store: unable to create message template %q: %w", id, ErrConflict)
	case foreignKeyViolation:
		return MessageTemplate{}, fmt.Errorf("store: unable to create message template: workspace %q: %w", workspaceID, ErrNotFound)
	}
	if err != nil {
		return MessageTemplate{}, fmt.Errorf("store: unable to create message template: %w", err)
	}
	return m, nil
}

// NewMessageTemplateVersion stores content as the template's next version
// (and name, when not empty, as its name). The channel never changes. It
// returns ErrNotFound.
func (s *Store) NewMessageTemplateVersion(ctx context.Context, workspaceID, id, name string, content json.RawMessage) (MessageTemplate, error) {
	var m MessageTemplate
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var next int
		err := tx.QueryRow(ctx, `
			UPDATE message_templates
			SET latest_version = latest_version + 1, name = COALESCE(NULLIF($3, ''), name), updated_at = now()
			WHERE workspace_id = $1 AND id = $2
			RETURNING latest_version`, workspaceID, id, name).Scan(&next)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO message_template_versions (workspace_id, template_id, version, content)
			VALUES ($1, $2, $3, $4)`, workspaceID, id, next, content); err != nil {
			return err
		}
		m, err = scanMessageTemplate(tx.QueryRow(ctx, selectMessageTemplate+`
			WHERE t.workspace_id = $1 AND t.id = $2 AND v.version = $3`, workspaceID, id, next))
		return err
	})
	if err != nil {
		return MessageTemplate{}, fmt.Errorf("store: unable to store a new version of message template %q: %w", id, err)
	}
	return m, nil
}

// GetMessageTemplate returns the template with the content of version, or
// of its latest version when version is 0. It returns ErrNotFound for a
// template or version that does not exist.
func (s *Store) GetMessageTemplate(ctx context.Context, workspaceID, id string, version int) (MessageTemplate, error) {
	m, err := scanMessageTemplate(s.pool.QueryRow(ctx, selectMessageTemplate+`
		WHERE t.workspace_id = $1 AND t.id = $2
		  AND v.version = CASE WHEN $3::int = 0 THEN t.latest_version ELSE $3::int END`, workspaceID, id, version))
	if err != nil {
		return MessageTemplate{}, fmt.Errorf("store: unable to get message template %q version %d: %w", id, version, err)
	}
	return m, nil
}

// ListMessageTemplates returns the workspace's templates with their latest
// content, ordered by id, of one channel or of all when channel is "".
func (s *Store) ListMessageTemplates(ctx context.Context, workspaceID, channel string) ([]MessageTemplate, error) {
	rows, err := s.pool.Query(ctx, selectMessageTemplate+`
		WHERE t.workspace_id = $1 AND v.version = t.latest_version AND ($2 = '' OR t.channel = $2)
		ORDER BY t.id COLLATE "C"`, workspaceID, channel)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list message templates: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MessageTemplate, error) { return scanMessageTemplate(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unable to list message templates: %w", err)
	}
	return out, nil
}

// MessageTemplateVersions returns every version of a template, newest
// first, or ErrNotFound.
func (s *Store) MessageTemplateVersions(ctx context.Context, workspaceID, id string) ([]MessageTemplateVersion, error) {
	return listVersions(ctx, s, "message template", `
		SELECT version, content, created_at FROM message_template_versions
		WHERE workspace_id = $1 AND template_id = $2 ORDER BY version DESC`, workspaceID, id,
		func(v *MessageTemplateVersion) []any { return []any{&v.Version, &v.Content, &v.CreatedAt} })
}
