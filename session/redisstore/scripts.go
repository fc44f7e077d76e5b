package redisstore

import (
	"strconv"

	"github.com/redis/rueidis"
)

// revokeScript records a session (or token) revocation: KEYS[1] the key,
// ARGV[1] until (Unix ms), ARGV[2] the clock skew (ms). A record that
// already lasts as long or longer is left as it is.
var revokeScript = rueidis.NewLuaScript(`
local new = tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '')
if old and old >= new then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', string.format('%d', new + tonumber(ARGV[2])))
return 1
`)

// revokeUserScript records a user revocation: KEYS[1] the key, ARGV[1]
// at (Unix ms), ARGV[2] until (Unix ms), ARGV[3] the clock skew (ms). It
// keeps the later cutoff and the later until of the stored and new
// record, reading the stored cutoff as [Store.Revoked] does (see
// [secondsCutoffBelow]).
var revokeUserScript = rueidis.NewLuaScript(`
local b, u = tonumber(ARGV[1]), tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local ob, ou = string.match(old, '^(%d+):(%d+)$')
  if ob then
    ob, ou = tonumber(ob), tonumber(ou)
    if ob < ` + strconv.FormatInt(secondsCutoffBelow, 10) + ` then ob = ob * 1000 - 1 end
    if ob >= b and ou >= u then
      return 0
    end
    if ob > b then b = ob end
    if ou > u then u = ou end
  end
end
redis.call('SET', KEYS[1], string.format('%d:%d', b, u), 'PXAT', string.format('%d', u + tonumber(ARGV[3])))
return 1
`)

// secondsCutoffBelow separates the two forms of a user record's cutoff.
// A cutoff below it is read as whole Unix seconds meaning "tokens issued
// before B", that is B×1000−1 in Unix milliseconds, which covers the same
// tokens; a cutoff at or above it is in Unix milliseconds. Every instant
// in seconds until the year 5138 lies below it, every instant in
// milliseconds since 1973 above. So stores that write either form can
// share one Redis: a write keeps the later cutoff, in milliseconds, and a
// record lives no longer than the tokens it covers (at most
// [session.Options.MaxLifetime]) plus the clock skew.
const secondsCutoffBelow = 100_000_000_000

// cutoffMS returns the cutoff of a user record in Unix milliseconds.
func cutoffMS(v int64) int64 {
	if v < secondsCutoffBelow {
		return v*1000 - 1
	}
	return v
}
