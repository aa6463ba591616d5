using CrsMonitor.Service.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// What the hub pushes to dashboards, under the event names of the contract (api-contract.md): a typed hub would send
/// the C# method names (<c>AlertRaised</c>), which the JavaScript client matches case-insensitively but the .NET client
/// (and others) by exact name.
/// </summary>
public interface IAlertClient
{
    [HubMethodName("alertRaised")]
    Task AlertRaised(AlertDocument alert);

    [HubMethodName("alertUpdated")]
    Task AlertUpdated(AlertDocument alert);

    /// <summary>An open alert followed its patient to another unit: sent to both units (see <see cref="AlertMove"/>).</summary>
    [HubMethodName("alertMoved")]
    Task AlertMoved(AlertMove move);

    [HubMethodName("patientStatusChanged")]
    Task PatientStatusChanged(PatientStatusChange change);
}

/// <summary>A patient's grades or monitoring changed: the dashboard re-reads the census row.</summary>
public sealed record PatientStatusChange(string Unit, string PatientId, DateTimeOffset At);

/// <summary>
/// <c>/hubs/alerts</c>: nurses and physicians only (integration and admin tokens are refused at the handshake). On
/// every connect the connection joins the group of each unit in its token, and no other: a client cannot ask to join
/// a group; and never that of "unassigned" (<see cref="AlertUnit.Unassigned"/>), even for a token naming it. A connection ends when its token expires (<see cref="HubSessionExpiry"/>); the client reconnects with a
/// fresh one. No state lives in the hub; <see cref="Resume"/> replays from the database, and each replay is audited.
/// </summary>
[Authorize(Policy = Policies.ClinicalStaff)]
public sealed class AlertHub(
    Storage.Database database, AlertFeed feed, IOptions<IdentitySettings> identity, HubSessionExpiry expiry, TimeProvider time, ILogger<AlertHub> logger)
    : Hub<IAlertClient>
{
    public const string Path = "/hubs/alerts";

    public static string GroupOf(string unit) => $"unit:{unit}";

    public override async Task OnConnectedAsync()
    {
        expiry.Watch(Context);
        var units = User().Units.Where(AlertUnit.IsSeen).ToList();
        await feed.OpenAsync(Context.ConnectionId, units, Context.ConnectionAborted).ConfigureAwait(false);
        foreach (var unit in units)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(unit)).ConfigureAwait(false);
        }

        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        expiry.Forget(Context.ConnectionId);
        feed.Close(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// After a (re)connect: sends this connection every change after <paramref name="lastSeq"/> (per unit of the token;
    /// units not in the token are ignored) in order, and returns each unit's last seq. Never one it was already sent
    /// live, nor one it said it has: the live feed and the replay share the connection's <see cref="DashboardFeed"/>.
    /// One audit row per call (<see cref="ResumeAudit"/>).
    /// </summary>
    public async Task<Dictionary<string, long>> Resume(Dictionary<string, long>? lastSeq)
    {
        var user = User();
        var audit = new ResumeAudit(user, user.Units, lastSeq?.Keys.Count(k => !user.Units.Contains(k)) ?? 0);
        try
        {
            var result = await ReplayAsync(user, lastSeq, audit).ConfigureAwait(false);
            await audit.WriteAsync(database, Context, time.GetUtcNow(), "success", logger).ConfigureAwait(false);
            return result;
        }
        catch (Exception)
        {
            await audit.WriteAsync(database, Context, time.GetUtcNow(), "error", logger).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<Dictionary<string, long>> ReplayAsync(CurrentUser user, Dictionary<string, long>? lastSeq, ResumeAudit audit)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        var dashboard = feed.Of(Context.ConnectionId) ?? throw new HubException("This connection is closing; connect again.");
        await using var connection = await database.OpenReservedAsync(Context.ConnectionAborted).ConfigureAwait(false);
        foreach (var unit in user.Units.Where(AlertUnit.IsSeen))
        {
            var after = lastSeq is not null && lastSeq.TryGetValue(unit, out var seen) ? seen : 0;
            var changes = OutgoingChange.Of(await AlertStore.ChangesAfterAsync(connection, unit, after, Context.ConnectionAborted).ConfigureAwait(false));
            var (sent, last) = await dashboard.ReplayAsync(Clients.Caller, unit, after, changes, Context.ConnectionAborted).ConfigureAwait(false);
            audit.Replayed(unit, after, sent);
            result[unit] = changes.Count > 0 ? last : Math.Max(last, await AlertStore.LastSeqAsync(connection, unit, Context.ConnectionAborted).ConfigureAwait(false));
        }

        return result;
    }

    private CurrentUser User() => CurrentUser.From(Context.User!, identity.Value);
}
