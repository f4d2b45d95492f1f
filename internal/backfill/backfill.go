// Package backfill is the stack's custom resource that brings the clientes
// earlier releases stored up to date (store.Backfill) before a new release's
// functions take traffic: the functions depend on it, so CloudFormation runs
// it on every stack create and update first, and a failure stops the update
// before any function changes.
package backfill

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/clientes-api/clientes/internal/store"
)

// PhysicalID names the one backfill of a stack; it never changes, so an
// update never replaces the resource (which would send a Delete).
const PhysicalID = "clientes-backfill"

// Margin is the time kept before the function's deadline to tell
// CloudFormation how it went: a custom resource that never answers holds the
// stack for an hour.
const Margin = 30 * time.Second

// Handler runs the backfill on Create and Update and does nothing on Delete:
// the table outlives the stack (DeletionPolicy: Retain).
func Handler(s *store.Store, log *slog.Logger) cfn.CustomResourceFunction {
	return func(ctx context.Context, ev cfn.Event) (string, map[string]any, error) {
		if ev.RequestType == cfn.RequestDelete {
			return PhysicalID, nil, nil
		}
		if rollingBack(ev) {
			// CloudFormation puts the previous release back, which serves
			// what the backfill already did: a second pass would only hold
			// the rollback up, and could fail it.
			log.InfoContext(ctx, "backfill skipped: the stack is rolling back", "release", ev.ResourceProperties["Release"])
			return PhysicalID, nil, nil
		}
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-Margin))
			defer cancel()
		}
		done, err := s.Backfill(ctx, 0)
		level := slog.LevelInfo
		if err != nil {
			level = slog.LevelError
		}
		log.Log(ctx, level, "backfill", "request", ev.RequestType, "read", done.Read, "retagged", done.Retagged,
			"stamped", done.Stamped, "unreadable_ids", done.Unreadable, "error", err)
		if err != nil {
			// Rerunning the deploy resumes: what is done stays done.
			return PhysicalID, nil, fmt.Errorf("backfill stopped after %d clientes (rerun the deploy to resume): %w", done.Read, err)
		}
		return PhysicalID, map[string]any{"Read": done.Read, "Retagged": done.Retagged, "Stamped": done.Stamped, "Unreadable": len(done.Unreadable)}, nil
	}
}

// rollingBack tells an Update that puts back an older release: its Release
// (a version ARN of the backfill function, ending in the version number) is
// older than the one it replaces.
func rollingBack(ev cfn.Event) bool {
	if ev.RequestType != cfn.RequestUpdate {
		return false
	}
	version := func(props map[string]any) int {
		arn, _ := props["Release"].(string)
		n, err := strconv.Atoi(arn[strings.LastIndex(arn, ":")+1:])
		if err != nil {
			return 0
		}
		return n
	}
	return version(ev.ResourceProperties) < version(ev.OldResourceProperties)
}
