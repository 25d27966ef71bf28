package memstore_test

import (
	"testing"

	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/autoscaled/autoscaled/internal/store/readcache"
	"github.com/autoscaled/autoscaled/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memstore.New() })
}

func TestConformanceBehindReadCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return readcache.New(memstore.New()) })
}
