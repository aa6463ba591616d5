using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using CrsMonitor.Service.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Ends each hub connection when the token it was opened with stops being valid: at the token's <c>exp</c> plus the
/// clock skew the bearer validation allows (<see cref="JwtBearerSetup.ClockSkew"/>), judged by the service's
/// <see cref="TimeProvider"/> (one timer per connection, so tests step it with <c>FakeTimeProvider</c>). The connection
/// is aborted; the dashboard reconnects with a fresh token and catches up by <c>Resume</c>. ASP.NET Core's
/// <c>CloseOnAuthenticationExpiration</c> is not used: it reads the system clock and ignores the skew.
/// </summary>
public sealed partial class HubSessionExpiry(TimeProvider time, ILogger<HubSessionExpiry> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, ITimer> timers = new(StringComparer.Ordinal);
    private readonly ILogger<HubSessionExpiry> log = logger;

    /// <summary>The instant after which the token of <paramref name="user"/> is refused (its <c>exp</c> plus the skew); null without <c>exp</c>.</summary>
    public static DateTimeOffset? EndOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return long.TryParse(user.FindFirst(JwtRegisteredClaimNames.Exp)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) + JwtBearerSetup.ClockSkew
            : null;
    }

    /// <summary>Arms the close of a new connection (at once if its token has no <c>exp</c> or is already past it).</summary>
    public void Watch(HubCallerContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var end = connection.User is { } user ? EndOf(user) : null;
        var due = end is { } at ? at - time.GetUtcNow() : TimeSpan.Zero;
        var timer = time.CreateTimer(
            static state => ((Closing)state!).Close(), new Closing(this, connection, end), due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        if (!timers.TryAdd(connection.ConnectionId, timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Disarms a connection that ended (by its client, an error, or the close above).</summary>
    public void Forget(string connectionId)
    {
        if (timers.TryRemove(connectionId, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Connections with a close armed (for tests and support).</summary>
    public int Watched => timers.Count;

    public void Dispose()
    {
        foreach (var id in timers.Keys)
        {
            Forget(id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub connection {ConnectionId} closed: its token stopped being valid at {End:O}")]
    private static partial void LogClosed(ILogger logger, string connectionId, DateTimeOffset? end);

    private sealed class Closing(HubSessionExpiry owner, HubCallerContext connection, DateTimeOffset? end)
    {
        public void Close()
        {
            LogClosed(owner.log, connection.ConnectionId, end);
            connection.Abort();
            owner.Forget(connection.ConnectionId);
        }
    }
}
