package redisgroup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// mnode is a primary taking part in slot moves.
type mnode struct {
	ccid string
	id   string
	port int
	cl   *redis.Client
}

// mover moves slots with the live resharding protocol of resources.md B.3, several slots at a
// time: for a chunk of slots between one source and one destination it pipelines
//
//  1. CLUSTER SETSLOT s IMPORTING src on the destination (first, so it accepts ASK-redirected
//     commands),
//  2. CLUSTER SETSLOT s MIGRATING dst on the source,
//  3. rounds of CLUSTER GETKEYSINSLOT s n + MIGRATE host port "" 0 timeout KEYS ... (one MIGRATE
//     per slot, as a MIGRATE's keys must share a slot), until every slot is empty,
//  4. CLUSTER SETSLOT s NODE dst on the destination, then the source, then the other primaries.
//
// Each step is idempotent and tolerates a half-done earlier attempt (the destination already
// owning the slot, the source no longer owning it), so the same code closes the open slots
// left by a crash (roll forward).
//
// A MIGRATE answered BUSYKEY (the key exists on both sides, which only a crash of Redis between
// RESTORE and DEL could leave) is retried for that slot with REPLACE, the way redis-cli does
// with --cluster-replace: the source's value, the one clients were served, wins.
type mover struct {
	m       *Manager
	log     *slog.Logger
	batch   int // keys per MIGRATE
	chunk   int // slots per pipelined round
	others  []mnode
	onMoved func(n int) // called after slots are assigned to their destination
}

// movePair moves slots from src to dst, chunk by chunk.
func (mv *mover) movePair(ctx context.Context, src, dst mnode, slots []int) error {
	for len(slots) > 0 {
		n := min(mv.chunk, len(slots))
		if err := mv.moveChunk(ctx, src, dst, slots[:n]); err != nil {
			return err
		}
		slots = slots[n:]
	}
	return nil
}

func (mv *mover) moveChunk(ctx context.Context, src, dst mnode, slots []int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()

	// 1. IMPORTING on the destination.
	dstOwns := map[int]bool{}
	cmds, err := pipeline(ctx, dst.cl, slots, func(p redis.Pipeliner, s int) *redis.Cmd {
		return p.Do(ctx, "CLUSTER", "SETSLOT", s, "IMPORTING", src.id)
	})
	if err != nil {
		return fmt.Errorf("SETSLOT IMPORTING on %s: %w", dst.ccid, err)
	}
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
		case isErr(err, "already the owner"):
			dstOwns[slots[i]] = true
		default:
			return fmt.Errorf("CLUSTER SETSLOT %d IMPORTING %.8s on %s: %w", slots[i], src.id, dst.ccid, err)
		}
	}

	// 2. MIGRATING on the source.
	var stale []int
	cmds, err = pipeline(ctx, src.cl, slots, func(p redis.Pipeliner, s int) *redis.Cmd {
		return p.Do(ctx, "CLUSTER", "SETSLOT", s, "MIGRATING", dst.id)
	})
	if err != nil {
		return fmt.Errorf("SETSLOT MIGRATING on %s: %w", src.ccid, err)
	}
	var moving []int
	for i, c := range cmds {
		s := slots[i]
		switch err := c.Err(); {
		case err == nil:
			moving = append(moving, s)
		case isErr(err, "not the owner"):
			if !dstOwns[s] {
				stale = append(stale, s) // a third node owns it: the plan is stale
			} else {
				moving = append(moving, s) // already given; make sure no key is left
			}
		default:
			return fmt.Errorf("CLUSTER SETSLOT %d MIGRATING %.8s on %s: %w", s, dst.id, src.ccid, err)
		}
	}
	if len(stale) > 0 {
		// Undo the IMPORTING we just opened for slots the source does not own.
		_, _ = pipeline(ctx, dst.cl, stale, func(p redis.Pipeliner, s int) *redis.Cmd {
			return p.Do(ctx, "CLUSTER", "SETSLOT", s, "STABLE")
		})
	}

	// 3. Keys, then 4. ownership; the source refuses SETSLOT NODE while it still holds keys of
	// the slot, in which case the keys are moved again.
	pending := moving
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt >= 5 {
			return fmt.Errorf("slots %v of %s still hold keys after %d attempts", pending, src.ccid, attempt)
		}
		if err := mv.moveKeys(ctx, src, dst, pending); err != nil {
			return err
		}
		if pending, err = mv.assign(ctx, src, dst, pending); err != nil {
			return err
		}
	}
	if mv.onMoved != nil {
		mv.onMoved(len(moving))
	}
	if len(stale) > 0 {
		return fmt.Errorf("slots %s are no longer owned by %s; the plan will be recomputed", formatSlots(stale), src.ccid)
	}
	return nil
}

// moveKeys empties the given slots of the source into the destination.
func (mv *mover) moveKeys(ctx context.Context, src, dst mnode, slots []int) error {
	pending := slots
	for round := 0; len(pending) > 0; round++ {
		if round > 1_000_000 {
			return fmt.Errorf("moving keys of %d slots did not end", len(pending))
		}
		cmds, err := pipeline(ctx, src.cl, pending, func(p redis.Pipeliner, s int) *redis.Cmd {
			return p.Do(ctx, "CLUSTER", "GETKEYSINSLOT", s, mv.batch)
		})
		if err != nil {
			return fmt.Errorf("GETKEYSINSLOT on %s: %w", src.ccid, err)
		}
		type job struct {
			slot int
			keys []any
		}
		var jobs []job
		for i, c := range cmds {
			keys, err := c.StringSlice()
			if err != nil {
				return fmt.Errorf("CLUSTER GETKEYSINSLOT %d on %s: %w", pending[i], src.ccid, err)
			}
			if len(keys) == 0 {
				continue
			}
			ks := make([]any, len(keys))
			for j, k := range keys {
				ks[j] = k
			}
			jobs = append(jobs, job{pending[i], ks})
		}
		next := pending[:0:0]
		if len(jobs) > 0 {
			cmds, err := pipelineN(ctx, src.cl, len(jobs), func(p redis.Pipeliner, i int) *redis.Cmd {
				return p.Do(ctx, migrateArgs(dst.port, false, jobs[i].keys)...)
			})
			if err != nil {
				return fmt.Errorf("MIGRATE from %s: %w", src.ccid, err)
			}
			for i, c := range cmds {
				j := jobs[i]
				err := c.Err()
				if isErr(err, "BUSYKEY") {
					mv.log.Warn("MIGRATE found keys on both sides; retrying with REPLACE (the source's values win)", "slot", j.slot, "src", src.ccid, "dst", dst.ccid)
					err = retryRedis(ctx, 3, func(ctx context.Context) error {
						return src.cl.Do(ctx, migrateArgs(dst.port, true, j.keys)...).Err()
					})
				} else if err != nil && (!isRedisReply(err) || isErr(err, "CLUSTERDOWN") || isErr(err, "TRYAGAIN")) {
					// A connection problem, or the destination's cluster state is not ok yet:
					// wait a little and try again (MIGRATE is idempotent: moved keys are gone
					// from the source).
					for attempt := 0; attempt < 50 && err != nil && ctx.Err() == nil; attempt++ {
						_ = sleep(ctx, 200*time.Millisecond)
						cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
						err = src.cl.Do(cctx, migrateArgs(dst.port, false, j.keys)...).Err()
						cancel()
						if isErr(err, "BUSYKEY") {
							err = src.cl.Do(ctx, migrateArgs(dst.port, true, j.keys)...).Err()
						}
					}
				}
				if err != nil {
					return fmt.Errorf("MIGRATE %d keys of slot %d from %s to %s: %w", len(j.keys), j.slot, src.ccid, dst.ccid, err)
				}
				if len(j.keys) >= mv.batch {
					next = append(next, j.slot) // there may be more
				}
			}
		}
		pending = next
	}
	return nil
}

func migrateArgs(port int, replace bool, keys []any) []any {
	args := []any{"MIGRATE", "127.0.0.1", port, "", 0, migrateTimeoutMS}
	if replace {
		args = append(args, "REPLACE")
	}
	args = append(args, "KEYS")
	return append(args, keys...)
}

// assign gives the slots to the destination: SETSLOT NODE on the destination, then on the
// source, then (best effort) on the other primaries. It returns the slots the source refused
// because it still holds keys of them.
func (mv *mover) assign(ctx context.Context, src, dst mnode, slots []int) ([]int, error) {
	setNode := func(p redis.Pipeliner, s int) *redis.Cmd {
		return p.Do(ctx, "CLUSTER", "SETSLOT", s, "NODE", dst.id)
	}
	cmds, err := pipeline(ctx, dst.cl, slots, setNode)
	if err != nil {
		return nil, fmt.Errorf("SETSLOT NODE on %s: %w", dst.ccid, err)
	}
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			return nil, fmt.Errorf("CLUSTER SETSLOT %d NODE on %s: %w", slots[i], dst.ccid, err)
		}
	}
	cmds, err = pipeline(ctx, src.cl, slots, setNode)
	if err != nil {
		return nil, fmt.Errorf("SETSLOT NODE on %s: %w", src.ccid, err)
	}
	var again []int
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
		case isErr(err, "still hold keys"):
			again = append(again, slots[i])
		default:
			return nil, fmt.Errorf("CLUSTER SETSLOT %d NODE on %s: %w", slots[i], src.ccid, err)
		}
	}
	_ = parallel(len(mv.others), 8, func(i int) error {
		o := mv.others[i]
		if o.ccid == src.ccid || o.ccid == dst.ccid {
			return nil
		}
		cmds, err := pipeline(ctx, o.cl, slots, setNode)
		if err == nil {
			for _, c := range cmds {
				if err = c.Err(); err != nil {
					break
				}
			}
		}
		if err != nil {
			mv.log.Debug("SETSLOT NODE on another primary failed; gossip will tell it", "node", o.ccid, "err", err)
		}
		return nil
	})
	return again, nil
}

// pipeline sends one command per slot to a node in one round trip. The error is that of the
// round trip (connection, timeout); each command's reply error is in its Cmd.
func pipeline(ctx context.Context, cl *redis.Client, slots []int, mk func(p redis.Pipeliner, s int) *redis.Cmd) ([]*redis.Cmd, error) {
	return pipelineN(ctx, cl, len(slots), func(p redis.Pipeliner, i int) *redis.Cmd { return mk(p, slots[i]) })
}

// pipelineN is pipeline over n commands built by index.
func pipelineN(ctx context.Context, cl *redis.Client, n int, mk func(p redis.Pipeliner, i int) *redis.Cmd) ([]*redis.Cmd, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		pipe := cl.Pipeline()
		cmds := make([]*redis.Cmd, n)
		for i := range n {
			cmds[i] = mk(pipe, i)
		}
		_, err := pipe.Exec(ctx)
		if err == nil || isRedisReply(err) {
			return cmds, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		_ = sleep(ctx, 100*time.Millisecond)
	}
	return nil, lastErr
}

func isRedisReply(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr)
}
