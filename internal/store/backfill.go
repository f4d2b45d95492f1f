package store

import (
	"context"
	"errors"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Backfilled counts what a backfill did.
type Backfilled struct {
	// Read is how many clientes it read; Retagged how many of them it gave
	// a current tag (1.0.0's, without one, or whose tag a 1.0.0 write made
	// stale); Stamped how many 1.1.0 tags it stamped, keeping them.
	Read, Retagged, Stamped int
	// Unreadable are the ids of items it cannot read and left as they are.
	Unreadable []int64
	// Next is the id to resume after when ctx ended first; 0 when done.
	Next int64
}

// Backfill gives every cliente after the id `after` a current entity tag,
// so that the previous release, which reads only tagged items, serves every
// one of them, and stamps every tag, so that an earlier release's write
// makes it stale. Each change is one conditional write on the item as read
// (retag), so it is safe under live traffic and idempotent: a cliente
// written meanwhile has a tag already, and a second run changes nothing. It
// resumes after Next when ctx ends first. Kept answers and the counter live
// under other partition keys and are never read.
func (s *Store) Backfill(ctx context.Context, after int64) (Backfilled, error) {
	var done Backfilled
	start := map[string]types.AttributeValue(nil)
	if after > 0 {
		start = key(clienteKind, after)
	}
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: clienteKind}},
			ExclusiveStartKey:         start,
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return done, s.stopped(ctx, &done, classify("backfill: query clientes", err))
		}
		for _, item := range out.Items {
			c, err := fromItem(item)
			if err != nil {
				if id, ok := itemID(item); ok {
					done.Unreadable = append(done.Unreadable, id)
					done.Next = id
				}
				continue
			}
			done.Read++
			switch {
			case !tagIsCurrent(item):
				if _, err := s.current(ctx, c.ID, item); err != nil {
					return done, s.stopped(ctx, &done, err)
				}
				done.Retagged++
			case unstamped(item):
				// 1.1.0's tag, kept for the canary beside it, and stamped,
				// so that a 1.0.0 write from now on makes it stale. A
				// write racing this one needs no stamp from it.
				_, err := s.retag(ctx, item, c.ETag)
				if err != nil && !errors.Is(err, errChanged) {
					return done, s.stopped(ctx, &done, err)
				}
				done.Stamped++
			}
			done.Next = c.ID
		}
		if out.LastEvaluatedKey == nil {
			done.Next = 0
			return done, nil
		}
		start = out.LastEvaluatedKey
	}
}

// stopped is err, and says where to resume when ctx ended.
func (s *Store) stopped(ctx context.Context, done *Backfilled, err error) error {
	if ctx.Err() != nil {
		return errors.Join(errors.New("backfill: stopped; resume after id "+strconv.FormatInt(done.Next, 10)), err)
	}
	return err
}

// itemID is the id in an item's sort key, when it has one.
func itemID(item map[string]types.AttributeValue) (int64, bool) {
	sk, ok := item[SortKey].(*types.AttributeValueMemberS)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(sk.Value, 10, 64)
	return id, err == nil
}
