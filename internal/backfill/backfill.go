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
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, deadline.Add(-Margin))
			defer cancel()
		}
		done, err := s.Backfill(ctx, 0)
		log.InfoContext(ctx, "backfill", "request", ev.RequestType, "read", done.Read, "retagged", done.Retagged,
			"unreadable_ids", done.Unreadable, "error", err)
		if err != nil {
			// Rerunning the deploy resumes: what is done stays done.
			return PhysicalID, nil, fmt.Errorf("backfill stopped after %d clientes (rerun the deploy to resume): %w", done.Read, err)
		}
		return PhysicalID, map[string]any{"Read": done.Read, "Retagged": done.Retagged, "Unreadable": len(done.Unreadable)}, nil
	}
}
