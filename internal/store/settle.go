package store

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/clientes-api/clientes/internal/cliente"
)

// SettleReserve is the part of a request's time kept back from its writes
// (the SDK's attempts at them included) for the one read that settles a
// write whose outcome is unknown: the request's context ended, or the
// connection dropped, after DynamoDB may have applied it.
const SettleReserve = 500 * time.Millisecond

// budget returns the context a request's calls share: ctx less
// SettleReserve, so that the settling read still has time before ctx's own
// deadline. Without a deadline there is nothing to divide.
func budget(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-SettleReserve))
}

// settling is the context of the settling read: it outlives the request's
// cancellation (a client gone, the write's budget spent) up to ctx's own
// deadline, or SettleReserve when ctx has none or it has passed.
func settling(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) < SettleReserve {
		deadline = time.Now().Add(SettleReserve)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}

// once makes the settling read a single attempt: it comes after a failure,
// often DynamoDB's throttling, and must not spend the SDK's retry quota that
// the requests of other callers draw on.
func once(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// noBlindRetry keeps the SDK from retrying a write whose attempt may have
// landed (an answer lost, a 500): the retry would apply it again, over any
// write another request made in between. A write DynamoDB refused for
// throttling, and one whose connection was never made, are retried as
// usual; any other failure is settled by one read.
func noBlindRetry(o *dynamodb.Options) { o.Retryer = safeRetryer{o.Retryer} }

type safeRetryer struct{ aws.Retryer }

func (r safeRetryer) IsErrorRetryable(err error) bool {
	return r.Retryer.IsErrorRetryable(err) && notApplied(err)
}

// notApplied tells the failures after which DynamoDB certainly wrote nothing.
func notApplied(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && (throttleCodes[api.ErrorCode()] || api.ErrorCode() == "TransactionInProgressException") {
		return true // refused; or a transaction with this token still running
	}
	if throttledTransaction(err) == aws.TrueTernary {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// settle finds out whether a write of cliente id that failed with err
// landed after all: it did when the item now holds the tag the write wrote,
// as no other write makes that tag. It returns the cliente as stored then,
// or err when the write did not land or the read cannot tell. A failed
// condition is an answer, not an unknown: it is returned as it is.
func (s *Store) settle(ctx context.Context, id int64, tag string, err error) (cliente.Cliente, error) {
	item, ok := s.settlingRead(ctx, id, err)
	if t, _ := item[etagAttr].(*types.AttributeValueMemberS); !ok || t == nil || t.Value != tag {
		return cliente.Cliente{}, err
	}
	return fromItem(item)
}

// settleCreate finds out whether the create of rec that failed with err
// landed: the counter handed rec's id to this request alone, so a cliente
// there created at rec's instant is this create's, whatever was written to
// it since.
func (s *Store) settleCreate(ctx context.Context, rec cliente.Cliente, err error) error {
	item, ok := s.settlingRead(ctx, rec.ID, err)
	if c, _ := item["created_at"].(*types.AttributeValueMemberS); !ok || c == nil || c.Value != rec.CreatedAt {
		return err
	}
	return nil
}

// settlingRead is the one read that settles a write of cliente id that
// failed with err: the item, or false when err is an answer (a failed
// condition) or the read fails.
func (s *Store) settlingRead(ctx context.Context, id int64, err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil, false
	}
	rctx, cancel := settling(ctx)
	defer cancel()
	item, rerr := s.getItem(rctx, id, once)
	return item, rerr == nil
}

// settleDelete finds out what became of a delete of cliente id that failed
// with err: when the cliente is gone, it was deleted, by this request or
// another, and ErrNotFound says so (the contract's lost-answer rule); when it
// is still there, nothing was written and err stands.
func (s *Store) settleDelete(ctx context.Context, id int64, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return err
	}
	rctx, cancel := settling(ctx)
	defer cancel()
	if _, rerr := s.getItem(rctx, id, once); errors.Is(rerr, ErrNotFound) {
		return ErrNotFound
	}
	return err
}
