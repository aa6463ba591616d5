using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>Steps for the alert budget tests: a host with the production round settle, and a clock that visits every due round.</summary>
internal static class RoundSettleKit
{
    /// <summary>The production default of <c>Alerts:RoundSettleMinutes</c> (the test hosts' base setting is 0).</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMinutes(15);

    public static ServiceHost Host(TestDatabase database, DateTimeOffset now) =>
        AlertKit.Listening(database, now, new Dictionary<string, string?> { ["Alerts:RoundSettleMinutes"] = "15" });

    /// <summary>The earliest pending round's due instant, if any.</summary>
    public static async Task<DateTimeOffset?> NextDueAsync(ServiceHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<object?>("SELECT MIN(due_at) FROM alert_round_settle") is { } value and not DBNull
            ? DbTypes.ReadInstant(value)
            : null;
    }

    /// <summary>
    /// Moves the clock to <paramref name="target"/>, stopping at every round due on the way (so each round is evaluated
    /// at its due instant, as the service's pass would): at each stop Quartz settles and one round settle pass runs.
    /// </summary>
    public static async Task AdvanceToAsync(ServiceHost host, DateTimeOffset target)
    {
        ArgumentNullException.ThrowIfNull(host);
        while (await NextDueAsync(host) is { } due && due <= target)
        {
            await StepAsync(host, due);
        }

        await StepAsync(host, target);
    }

    private static async Task StepAsync(ServiceHost host, DateTimeOffset at)
    {
        if (at > host.Time.GetUtcNow())
        {
            host.Time.SetUtcNow(at);
        }

        await SettleAsync(host);
        await host.Services.GetRequiredService<RoundSettleWorker>().RunOnceAsync(CancellationToken.None);
    }
}
