using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// A dashboard as the .NET SignalR client: connects to /hubs/alerts with a token (AccessTokenProvider, or as a
/// browser does: access_token in the query string), records every event it is sent by the names of the contract
/// (alertRaised, alertUpdated, alertMoved, patientStatusChanged) in order, and lets a test wait for a condition over them.
/// </summary>
internal sealed class AlertListener : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<HubEvent> events = [];
    private readonly TaskCompletionSource<Exception?> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AlertListener(HubConnection connection)
    {
        Connection = connection;
        connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        foreach (var kind in new[] { HubEvent.Raised, HubEvent.Updated, HubEvent.Moved, HubEvent.Status })
        {
            connection.On<JsonElement>(kind, payload => Add(new HubEvent(kind, payload.Clone())));
        }
    }

    public HubConnection Connection { get; }

    /// <summary>Completes when the connection closes (by the server or the client), with the error it closed with, if any.</summary>
    public Task<Exception?> Closed => closed.Task;

    public IReadOnlyList<HubEvent> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    public IReadOnlyList<HubEvent> Alerts => [.. Events.Where(e => e.IsAlert)];

    /// <summary>Connects with the token from AccessTokenProvider (null: none), or only with what <paramref name="configure"/> sets.</summary>
    public static async Task<AlertListener> ConnectAsync(ServiceHost host, string? token, Action<HttpConnectionOptions>? configure = null, string? query = null)
    {
        var listener = Create(host, token, configure, query);
        try
        {
            await listener.Connection.StartAsync();
        }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }

        return listener;
    }

    public static AlertListener Create(ServiceHost host, string? token, Action<HttpConnectionOptions>? configure = null, string? query = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(AlertKit.HubUrl(host, query), o =>
            {
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }

                configure?.Invoke(o);
            })
            .Build();
        return new AlertListener(connection);
    }

    /// <summary>The hub's Resume: replays this connection every change after <paramref name="lastSeq"/> per unit of the token.</summary>
    public Task<Dictionary<string, long>> ResumeAsync(Dictionary<string, long> lastSeq) =>
        Connection.InvokeAsync<Dictionary<string, long>>("Resume", lastSeq);

    public IReadOnlyList<HubEvent> Moves => [.. Events.Where(e => e.IsMove)];

    /// <summary>The highest seq seen per unit (what a dashboard keeps and passes to Resume): alert events and moves.</summary>
    public Dictionary<string, long> LastSeqs() =>
        Events.Where(e => e.HasSeq).GroupBy(e => e.Unit).ToDictionary(g => g.Key, g => g.Max(e => e.Seq), StringComparer.Ordinal);

    /// <summary>
    /// The feed of <paramref name="unit"/> as a dashboard builds it from the events received, in order: alertRaised and
    /// alertUpdated put the alert, alertMoved takes it off the unit it left and puts the alert it carries on the unit it joined.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> FeedOf(string unit)
    {
        var feed = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var e in Events.Where(e => e.HasSeq && e.Unit == unit))
        {
            if (!e.IsMove)
            {
                feed[e.Id] = e.Payload;
            }
            else if (e.MovedFrom == unit)
            {
                feed.Remove(e.Id);
            }
            else
            {
                feed[e.Id] = e.Payload.GetProperty("alert");
            }
        }

        return feed;
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds over the events received so far.</summary>
    public async Task<IReadOnlyList<HubEvent>> WaitForAsync(Func<IReadOnlyList<HubEvent>, bool> done, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + (timeout ?? AlertKit.Patience);
        while (true)
        {
            Task next;
            IReadOnlyList<HubEvent> seen;
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
                Assert.Fail($"Timed out waiting for {what}; received: {string.Join(" | ", seen)}");
            }
        }
    }

    /// <summary>Waits for the first alert event matching <paramref name="match"/>.</summary>
    public async Task<HubEvent> WaitForAlertAsync(Func<HubEvent, bool> match, string what)
    {
        var seen = await WaitForAsync(all => all.Any(e => e.IsAlert && match(e)), what);
        return seen.First(e => e.IsAlert && match(e));
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private void Add(HubEvent e)
    {
        TaskCompletionSource done;
        lock (gate)
        {
            events.Add(e);
            done = arrived;
            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.SetResult();
    }
}

/// <summary>One event the hub sent: its name and payload (an alert, or a patient status change).</summary>
internal sealed record HubEvent(string Kind, JsonElement Payload)
{
    public const string Raised = "alertRaised";
    public const string Updated = "alertUpdated";
    public const string Moved = "alertMoved";
    public const string Status = "patientStatusChanged";

    public bool IsAlert => Kind is Raised or Updated;

    /// <summary>An alertMoved: id, unit, seq and patientId as in an alert; from, to, and the alert itself for the unit it joined.</summary>
    public bool IsMove => Kind == Moved;

    /// <summary>Carries a unit and that unit's seq (every event but patientStatusChanged).</summary>
    public bool HasSeq => IsAlert || IsMove;

    public string MovedFrom => Payload.GetProperty("from").GetString()!;

    public string MovedTo => Payload.GetProperty("to").GetString()!;

    public string Id => Payload.GetProperty("id").GetString()!;

    public string Unit => Payload.GetProperty("unit").GetString()!;

    public long Seq => Payload.GetProperty("seq").GetInt64();

    public string PatientId => Payload.GetProperty("patientId").GetString()!;

    public string Condition => Payload.GetProperty("condition").GetString()!;

    public string State => Payload.GetProperty("state").GetString()!;

    public int? Grade => Payload.GetProperty("grade") is { ValueKind: JsonValueKind.Number } g ? g.GetInt32() : null;

    public int Tier => Payload.GetProperty("escalation").GetProperty("tier").GetInt32();

    public override string ToString() => IsAlert
        ? $"{Kind} {Unit}#{Seq} {PatientId} {Condition} grade {Grade?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {State} tier {Tier}"
        : IsMove ? $"{Kind} {Unit}#{Seq} {PatientId} {Id} {MovedFrom} -> {MovedTo}" : $"{Kind} {Payload.GetRawText()}";
}
