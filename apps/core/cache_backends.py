"""Django's Redis cache backend, with one Redis client per connection pool, and one pool per
process.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and
each one copies redis-py's table of ~170 response callbacks: on a cache hit that is a good part
of the request. A ``redis.Redis`` is safe to share between threads (connections come from its
pool), so each pool gets one, built once per process.
"""

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# Django builds a cache object (and so a connection pool) per thread and per async context: a
# request that lives long (a live stream) would keep a Redis connection for its whole life, one
# per open stream. The pools are shared by the process instead (redis-py's pools are
# thread-safe and reset themselves after a fork), so connections go back to one pool.
_CLIENTS: dict[tuple, SharedClientRedisCacheClient] = {}
_LOCK = threading.Lock()


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items(), key=lambda item: item[0])))
        client = _CLIENTS.get(key)
        if client is None:
            with _LOCK:  # many threads at once (ASGI) must still end up with one pool
                client = _CLIENTS.get(key)
                if client is None:
                    client = _CLIENTS[key] = self._class(self._servers, **self._options)
        return client
