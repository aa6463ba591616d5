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

    [HubMethodName("patientStatusChanged")]
    Task PatientStatusChanged(PatientStatusChange change);
}

/// <summary>A patient's grades or monitoring changed: the dashboard re-reads the census row.</summary>
public sealed record PatientStatusChange(string Unit, string PatientId, DateTimeOffset At);

/// <summary>
/// <c>/hubs/alerts</c>: nurses and physicians only (integration and admin tokens are refused at the handshake). On
/// every connect the connection joins the group of each unit in its token, and no other: a client cannot ask to join
/// a group. No state lives in the hub; <see cref="Resume"/> replays from the database.
/// </summary>
[Authorize(Policy = Policies.ClinicalStaff)]
public sealed class AlertHub(Storage.Database database, IOptions<IdentitySettings> identity) : Hub<IAlertClient>
{
    public const string Path = "/hubs/alerts";

    public static string GroupOf(string unit) => $"unit:{unit}";

    public override async Task OnConnectedAsync()
    {
        foreach (var unit in Units())
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(unit)).ConfigureAwait(false);
        }

        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// After a (re)connect: sends this connection every change after <paramref name="lastSeq"/> (per unit of the token;
    /// units not in the token are ignored) in order, and returns each unit's last seq. A change pushed live while this
    /// runs may arrive twice; clients ignore a seq they have seen.
    /// </summary>
    public async Task<Dictionary<string, long>> Resume(Dictionary<string, long>? lastSeq)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await database.OpenReservedAsync(Context.ConnectionAborted).ConfigureAwait(false);
        foreach (var unit in Units())
        {
            var after = lastSeq is not null && lastSeq.TryGetValue(unit, out var seen) ? seen : 0;
            var changes = await AlertStore.ChangesAfterAsync(connection, unit, after, Context.ConnectionAborted).ConfigureAwait(false);
            foreach (var change in changes)
            {
                var alert = System.Text.Json.JsonSerializer.Deserialize<AlertDocument>(change.Payload, AlertDocument.Json)!;
                await (change.Kind == "alertRaised" ? Clients.Caller.AlertRaised(alert) : Clients.Caller.AlertUpdated(alert)).ConfigureAwait(false);
            }

            result[unit] = changes.Count > 0 ? changes[^1].Seq : await AlertStore.LastSeqAsync(connection, unit, Context.ConnectionAborted).ConfigureAwait(false);
        }

        return result;
    }

    private IReadOnlyList<string> Units() => CurrentUser.From(Context.User!, identity.Value).Units;
}
