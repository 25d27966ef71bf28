package redisgroup

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// migrateTimeoutMS is the timeout given to MIGRATE (the source's connection to the destination).
const migrateTimeoutMS = 10000

// clients holds one go-redis client per node port, for admin commands sent to exactly that
// node (never a ClusterClient: it would route by slot).
type clients struct {
	mu sync.Mutex
	m  map[int]*redis.Client
}

func newAdminClient(port int) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     "127.0.0.1:" + strconv.Itoa(port),
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		DialTimeout:              2 * time.Second,
		DialerRetries:            2,
		DialerRetryTimeout:       50 * time.Millisecond,
		ReadTimeout:              migrateTimeoutMS*time.Millisecond + 5*time.Second,
		WriteTimeout:             5 * time.Second,
		ContextTimeoutEnabled:    true,
		MaxRetries:               -1,
		PoolSize:                 8,
	})
}

func (c *clients) get(port int) *redis.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[int]*redis.Client{}
	}
	cl := c.m[port]
	if cl == nil {
		cl = newAdminClient(port)
		c.m[port] = cl
	}
	return cl
}

func (c *clients) drop(port int) {
	c.mu.Lock()
	cl := c.m[port]
	delete(c.m, port)
	c.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
}

func (c *clients) closeAll() {
	c.mu.Lock()
	all := c.m
	c.m = nil
	c.mu.Unlock()
	for _, cl := range all {
		cl.Close()
	}
}

// infoFields parses an INFO reply into field -> value.
func infoFields(text string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			out[k] = v
		}
	}
	return out
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// clusterNodesOf reads and parses CLUSTER NODES from one node.
func clusterNodesOf(ctx context.Context, cl *redis.Client) ([]clusterNode, error) {
	ctx, cancel := withTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := cl.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER NODES on %s: %w", cl.Options().Addr, err)
	}
	return parseClusterNodes(s)
}

// infoOf reads INFO sections from one node.
func infoOf(ctx context.Context, cl *redis.Client, sections ...string) (map[string]string, error) {
	ctx, cancel := withTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := cl.Info(ctx, sections...).Result()
	if err != nil {
		return nil, fmt.Errorf("INFO %s on %s: %w", strings.Join(sections, " "), cl.Options().Addr, err)
	}
	return infoFields(s), nil
}

// isErr reports whether err is a Redis error reply starting with or containing text.
func isErr(err error, text string) bool {
	return err != nil && strings.Contains(err.Error(), text)
}
