using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using CrsMonitor.Service.Identity;

namespace CrsMonitor.Service.Limits;

/// <summary>
/// One token bucket per client, on the service's <see cref="TimeProvider"/>: per token subject for authenticated callers
/// (the <see cref="LimitSettings.Integration"/> budget when the token has the integration role, else
/// <see cref="LimitSettings.Staff"/>), per remote address for the rest (<see cref="LimitSettings.Anonymous"/>). A
/// request takes one token; an empty bucket refuses at once (no queue) with the time until the next token as
/// <see cref="MetadataName.RetryAfter"/>.
/// <para>
/// Not <c>TokenBucketRateLimiter</c>: System.Threading.RateLimiting (.NET 10) reads the clock through
/// <c>Stopwatch</c>/<c>Environment.TickCount</c> and refills from its own timer, with no <see cref="TimeProvider"/> hook, so
/// tests could not step it with fake time (invariant 7).
/// </para>
/// </summary>
public sealed class ClientRateLimiter(LimitSettings limits, IdentitySettings identity, TimeProvider time) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Buckets kept before full (idle) ones are forgotten; an idle client's bucket is full, so forgetting it changes nothing.</summary>
    private const int SweepAbove = 10_000;

    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly ConcurrentDictionary<string, Bucket> buckets = new(StringComparer.Ordinal);
    private readonly long origin = time.GetTimestamp();

    /// <summary>The bucket's key and budget for a request: <c>integration:{sub}</c>, <c>staff:{sub}</c> or <c>anonymous:{address}</c>.</summary>
    public (string Key, RequestBudget Budget) PartitionOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.User.Identity?.IsAuthenticated == true && CurrentUser.From(context.User, identity) is { Subject: { Length: > 0 } subject } user)
        {
            return user.Roles.Contains(Roles.Integration)
                ? ($"integration:{subject}", limits.Integration)
                : ($"staff:{subject}", limits.Staff);
        }

        return ($"anonymous:{context.Connection.RemoteIpAddress}", limits.Anonymous);
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource)
    {
        var (key, budget) = PartitionOf(resource);
        var now = Now();
        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = buckets.TryGetValue(key, out var bucket) ? bucket.Available(budget, now) : budget.Burst,
        };
    }

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var (key, budget) = PartitionOf(resource);
        var now = Now();
        if (buckets.Count > SweepAbove)
        {
            Sweep(now);
        }

        var wait = buckets.GetOrAdd(key, static _ => new Bucket()).Take(budget, Math.Max(permitCount, 0), now);
        return wait is null ? Granted : new Lease(false, wait);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    /// <summary>Ticks (100 ns) of the service's monotonic clock since this limiter was made.</summary>
    private long Now() => time.GetElapsedTime(origin).Ticks;

    private void Sweep(long now)
    {
        foreach (var (key, bucket) in buckets)
        {
            if (bucket.IsFull(now))
            {
                buckets.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// A token bucket kept as the generic cell rate algorithm, in whole ticks (no floating-point drift): each request
    /// moves the bucket's "theoretical arrival time" one interval (1 / rate) on; a request is refused when that time is
    /// more than <c>burst - 1</c> intervals ahead of now.
    /// </summary>
    private sealed class Bucket
    {
        private readonly Lock gate = new();
        private long arrival;

        /// <summary>Takes <paramref name="count"/> tokens; null when taken, else how long until they would be there (at least 1 s).</summary>
        public TimeSpan? Take(RequestBudget budget, int count, long now)
        {
            var interval = Interval(budget);
            var tolerance = interval * (budget.Burst - 1);
            lock (gate)
            {
                var from = Math.Max(arrival, now);
                var next = from + (interval * Math.Max(count, 1)) - interval;
                if (next - now > tolerance)
                {
                    var wait = TimeSpan.FromTicks(next - tolerance - now);
                    return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
                }

                arrival = from + (interval * count);
                return null;
            }
        }

        public long Available(RequestBudget budget, long now)
        {
            var interval = Interval(budget);
            lock (gate)
            {
                var ahead = Math.Max(arrival - now, 0);
                return Math.Clamp(budget.Burst - ((ahead + interval - 1) / interval), 0, budget.Burst);
            }
        }

        public bool IsFull(long now)
        {
            lock (gate)
            {
                return arrival <= now;
            }
        }

        private static long Interval(RequestBudget budget) => Math.Max(1, (long)Math.Round(TimeSpan.TicksPerSecond / budget.RequestsPerSecond));
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
