package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tabiji/tabiji/advertising"
	"github.com/tabiji/tabiji/journey"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/msgtemplates"
)

// JourneyWithVersions reads a journey and every version of it, newest
// first; ErrNotFound for a journey the workspace does not have.
func (s *Store) JourneyWithVersions(ctx context.Context, workspaceID, id string) (Journey, []JourneyVersionInfo, error) {
	j, err := s.GetJourney(ctx, workspaceID, id)
	if err != nil {
		return j, nil, err
	}
	versions, err := s.JourneyVersions(ctx, workspaceID, j.ID)
	return j, versions, err
}

// CheckEntrySegment refuses (ErrInvalid, on definition.entry.segment) a
// definition that enters on a segment the workspace does not have.
func (s *Store) CheckEntrySegment(ctx context.Context, workspaceID string, d journey.Definition) error {
	if d.Entry.Segment == "" {
		return nil
	}
	_, err := s.GetSegment(ctx, workspaceID, d.Entry.Segment)
	if errors.Is(err, ErrNotFound) {
		return Refuse(ErrInvalid, "the journey enters on a segment that does not exist",
			jsonfields.Error{Field: "definition.entry.segment", Message: "names no segment: " + d.Entry.Segment + " (create it first: POST /v1/segments)"})
	}
	return err
}

// unreadyDetail is the end of the refusal of promotional mail while the
// sender's identity is incomplete.
const unreadyDetail = "the law on advertising mail (特定電子メール法) requires the sender's name, postal address and a contact for refusal in every one; set them with " +
	advertising.SettingPath

// CheckJourneyAdvertising refuses (ErrInvalid, naming the missing fields of
// the sender's identity) a journey that sends promotional email or SMS
// while the workspace enforces the advertising-mail policy and its
// sender's identity is incomplete. Activation and template launches check it.
func (s *Store) CheckJourneyAdvertising(ctx context.Context, workspaceID string, def journey.Definition) error {
	p, err := s.AdvertisingPolicy(ctx, workspaceID)
	if err != nil {
		return err
	}
	unready := p.Policy().Unready()
	if unready == nil {
		return nil
	}
	node, err := s.promotionalSend(ctx, workspaceID, def)
	if err != nil || node == "" {
		return err
	}
	return Refuse(ErrInvalid, "node "+node+" sends promotional email or SMS, and the workspace's sender identity is incomplete: "+
		unreadyDetail+", or mark the send transactional", unready...)
}

// CheckBroadcastAdvertising is CheckJourneyAdvertising for a broadcast: a
// promotional email or SMS broadcast is not scheduled while the sender's
// identity is incomplete under an enforced policy.
func (s *Store) CheckBroadcastAdvertising(ctx context.Context, b Broadcast) error {
	if b.Transactional || !advertising.SpecifiedMail(b.Channel) {
		return nil
	}
	p, err := s.AdvertisingPolicy(ctx, b.WorkspaceID)
	if err != nil {
		return err
	}
	unready := p.Policy().Unready()
	if unready == nil {
		return nil
	}
	transactional, err := s.templateTransactional(ctx, b.WorkspaceID, b.TemplateID)
	if b.TemplateID == "" {
		content, perr := msgtemplates.Parse(b.Channel, b.Content)
		transactional = perr == nil && content.Transactional()
	}
	if err != nil || transactional {
		return err
	}
	return Refuse(ErrInvalid, "broadcast "+b.ID+" is promotional "+b.Channel+", and the workspace's sender identity is incomplete: "+
		unreadyDetail+", or mark the broadcast transactional", unready...)
}

// promotionalSend is the id of the journey's first send node that sends
// promotional email or SMS ("" for none): on its channel or its fallback,
// neither the node nor the stored template it sends marks it transactional.
func (s *Store) promotionalSend(ctx context.Context, ws string, def journey.Definition) (string, error) {
	for _, n := range def.Nodes {
		if n.Kind != journey.KindSend || n.Transactional {
			continue
		}
		for _, ch := range n.ChannelOrder() {
			if !advertising.SpecifiedMail(ch) {
				continue
			}
			transactional, err := s.templateTransactional(ctx, ws, n.TemplateFor(ch).Name)
			if err != nil || !transactional {
				return n.ID, err
			}
		}
	}
	return "", nil
}

// templateTransactional says whether the stored template marks itself
// transactional (false for inline content or an unknown template).
func (s *Store) templateTransactional(ctx context.Context, ws, name string) (bool, error) {
	if name == "" {
		return false, nil
	}
	t, err := s.GetMessageTemplate(ctx, ws, name, 0)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	content, err := msgtemplates.Parse(t.Channel, t.Content)
	return err == nil && content.Transactional(), nil
}

// JourneyAt is one version of a journey as a run takes it.
type JourneyAt struct {
	Journey    Journey
	Version    int
	Definition journey.Definition
}

// JourneyAtVersion reads a journey and one version's definition as a run
// takes it: with the workspace's zone when it names none, as the router
// gives it. Version 0 is the active version when active is set and the
// journey has one, else the latest. It returns ErrNotFound for a journey
// the workspace lacks, and a Refusal (ErrInvalid, on version) for a
// version the journey does not have.
func (s *Store) JourneyAtVersion(ctx context.Context, workspaceID, id string, version int, active bool) (JourneyAt, error) {
	j, versions, err := s.JourneyWithVersions(ctx, workspaceID, id)
	if err != nil {
		return JourneyAt{}, err
	}
	if version == 0 && active {
		version = j.ActiveVersion
	}
	if version == 0 {
		version = j.LatestVersion
	}
	at := JourneyAt{Journey: j, Version: version}
	for _, v := range versions {
		if v.Version != version {
			continue
		}
		if err := json.Unmarshal(v.Definition, &at.Definition); err != nil {
			return at, fmt.Errorf("store: unable to read version %d of journey %q: %w", version, id, err)
		}
		if at.Definition.Timezone == "" {
			if at.Definition.Timezone, err = s.WorkspaceTimezone(ctx, workspaceID); err != nil {
				return at, err
			}
		}
		return at, nil
	}
	msg := fmt.Sprintf("journey %s has no version %d", id, version)
	return at, Refuse(ErrMalformed, "version: "+msg, jsonfields.Error{Field: "version", Message: msg})
}
