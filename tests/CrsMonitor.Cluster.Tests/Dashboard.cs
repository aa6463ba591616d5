using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace CrsMonitor.Cluster.Tests;

/// <summary>
/// A dashboard as the bundled page connects (issue 14's decision: no sticky sessions): one WebSocket, no negotiate
/// request (<c>SkipNegotiation</c>), so the connection is one request to one node and nginx may send it anywhere.
/// After a reconnect it calls the hub's <c>Resume</c> with the last seq it has per unit. It records every event with
/// the instant it arrived and whether it came inside a Resume call (a replay).
/// </summary>
internal sealed class Dashboard : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<Received> events = [];
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool resuming;

    private Dashboard(string name, HubConnection connection)
    {
        Name = name;
        Connection = connection;
        foreach (var kind in new[] { "alertRaised", "alertUpdated", "alertMoved" })
        {
            connection.On<JsonElement>(kind, payload => Add(kind, payload));
        }

        connection.Reconnecting += _ =>
        {
            ReconnectingAt ??= Stopwatch.GetTimestamp();
            return Task.CompletedTask;
        };
        connection.Reconnected += async _ =>
        {
            ReconnectedAt = Stopwatch.GetTimestamp();
            await ResumeAsync();
            ResumedAt = Stopwatch.GetTimestamp();
        };
    }

    public string Name { get; }

    public HubConnection Connection { get; }

    public long? ReconnectingAt { get; private set; }

    public long? ReconnectedAt { get; private set; }

    public long? ResumedAt { get; private set; }

    public IReadOnlyList<Received> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    /// <summary>Connects to <paramref name="baseAddress"/> (a node or the load balancer); with <paramref name="firstRetry"/>, reconnects by itself.</summary>
    public static async Task<Dashboard> ConnectAsync(string name, Uri baseAddress, string token, TimeSpan? firstRetry = null)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, "/hubs/alerts"), o =>
        {
            o.SkipNegotiation = true;
            o.Transports = HttpTransportType.WebSockets;
            o.AccessTokenProvider = () => Task.FromResult<string?>(token);
        });
        if (firstRetry is { } first)
        {
            builder.WithAutomaticReconnect(new Retry(first));
        }

        var dashboard = new Dashboard(name, builder.Build());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await dashboard.Connection.StartAsync(timeout.Token);
        return dashboard;
    }

    /// <summary>Resume with the last seq seen per unit (none yet: from the start).</summary>
    public async Task<Dictionary<string, long>> ResumeAsync()
    {
        resuming = true;
        try
        {
            return await Connection.InvokeAsync<Dictionary<string, long>>("Resume", LastSeqs());
        }
        finally
        {
            resuming = false;
        }
    }

    public Dictionary<string, long> LastSeqs() =>
        Events.GroupBy(e => e.Unit).ToDictionary(g => g.Key, g => g.Max(e => e.Seq), StringComparer.Ordinal);

    public IReadOnlyList<long> SeqsOf(string unit) => [.. Events.Where(e => e.Unit == unit).Select(e => e.Seq)];

    /// <summary>Waits (bounded) until <paramref name="done"/> holds over what has arrived.</summary>
    public async Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task next;
            IReadOnlyList<Received> seen;
            lock (gate)
            {
                seen = [.. events];
                next = arrived.Task;
            }

            if (done(seen))
            {
                return seen;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(left)) != next)
            {
                Assert.Fail($"{Name}: timed out after {timeout.TotalSeconds} s waiting for {what}; received seqs: {string.Join(",", seen.Select(e => $"{e.Unit}#{e.Seq}"))}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Add(string kind, JsonElement payload)
    {
        var at = Stopwatch.GetTimestamp();
        var e = new Received(kind, payload.GetProperty("unit").GetString()!, payload.GetProperty("seq").GetInt64(),
            payload.GetProperty("patientId").GetString()!, at, DateTimeOffset.UtcNow, resuming);
        TaskCompletionSource done;
        lock (gate)
        {
            events.Add(e);
            done = arrived;
            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.SetResult();
    }

    /// <summary>First retry after <c>first</c> (the window in which the tests raise alerts the dashboard misses), then every second for a minute.</summary>
    private sealed class Retry(TimeSpan first) : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount == 0 ? first : retryContext.PreviousRetryCount < 60 ? TimeSpan.FromSeconds(1) : null;
    }
}

/// <summary>One alert event: kind, unit, seq, patient, when it arrived (Stopwatch and wall clock), and whether inside a Resume call.</summary>
internal sealed record Received(string Kind, string Unit, long Seq, string PatientId, long At, DateTimeOffset AtUtc, bool Replayed);
