package people

import (
	"context"
	"fmt"

	"github.com/tabiji/tabiji/store"
)

// Directory is a workspace's people: its members and pending invitations.
type Directory struct {
	Members     []store.Member
	Invitations []store.PersonToken
}

// Directory reads a workspace's members and pending invitations.
func (s *Service) Directory(ctx context.Context, workspaceID string) (Directory, error) {
	members, err := s.Store.Members(ctx, workspaceID)
	if err != nil {
		return Directory{}, fmt.Errorf("people: unable to list people: %w", err)
	}
	invitations, err := s.Store.Invitations(ctx, workspaceID)
	if err != nil {
		return Directory{}, fmt.Errorf("people: unable to list people: %w", err)
	}
	return Directory{Members: members, Invitations: invitations}, nil
}
