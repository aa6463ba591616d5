using System.Data.Common;
using System.Globalization;
using System.Text;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using Microsoft.AspNetCore.SignalR;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The audit row of one hub <c>Resume</c> (a read of alerts, so audited like the HTTP reads): action
/// <see cref="Action"/>, the token's subject and roles, resource <c>Location</c> with the units replayed, outcome, the
/// client's address and the SignalR connection id as correlation id (the client knows it as <c>connectionId</c>), and
/// in its detail, per unit, the seq asked from, how many changes were sent and their seq range, then the patients
/// whose alerts were sent.
/// </summary>
internal sealed partial class ResumeAudit(CurrentUser user, IReadOnlyList<string> units, int ignoredUnits)
{
    public const string Action = "alert.resume";

    private readonly List<string> perUnit = [];
    private readonly SortedSet<string> patients = new(StringComparer.Ordinal);

    /// <summary>Records what one unit's replay sent (of the changes after <paramref name="after"/>), and their patients.</summary>
    internal void Replayed(string unit, long after, IReadOnlyList<OutgoingChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        perUnit.Add(changes.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{unit} after seq {after}: 0 changes")
            : string.Create(CultureInfo.InvariantCulture, $"{unit} after seq {after}: {changes.Count} changes, seq {changes[0].Seq}-{changes[^1].Seq}"));
        patients.UnionWith(changes.Select(c => c.PatientId));
    }

    public AuditEntry EntryFor(HubCallerContext context, DateTimeOffset at, string outcome)
    {
        ArgumentNullException.ThrowIfNull(context);
        var detail = new StringBuilder(string.Join("; ", perUnit));
        if (patients.Count > 0)
        {
            detail.Append("; patients ").AppendJoin(", ", patients);
        }

        if (ignoredUnits > 0)
        {
            detail.Append(CultureInfo.InvariantCulture, $"; ignored {ignoredUnits} asked-for unit(s) not in the token");
        }

        return new AuditEntry(
            at, user.Subject, string.Join(",", user.Roles), Action, "Location", string.Join(",", units), null, outcome,
            context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), context.ConnectionId, detail.ToString());
    }

    /// <summary>Appends the row on its own connection; a failure is logged loudly (ids only), as for the HTTP reads.</summary>
    public async Task WriteAsync(Database database, HubCallerContext context, DateTimeOffset at, string outcome, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(database);
        var entry = EntryFor(context, at, outcome);
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await AuditStore.AppendAsync(connection, null, entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DbException e)
        {
            LogAuditFailed(logger, entry.Action, context.ConnectionId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit row for {Action} (connection {ConnectionId}) could not be written: {Reason}")]
    private static partial void LogAuditFailed(ILogger logger, string action, string connectionId, string reason);
}
