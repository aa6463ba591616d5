using System.Data.Common;
using System.Text.Json;
using CrsMonitor.Service.Storage;
using Dapper;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Alerts follow the patient: when an admission or transfer (an Encounter write, in its transaction) changes the unit
/// the patient's alerts belong on (<see cref="AlertUnit"/>), every open alert on another unit or on
/// <see cref="AlertUnit.Unassigned"/> moves there. The old unit is told with an <c>alertMoved</c> change at its next
/// seq that takes the alert off its feed; the new unit with an <c>alertMoved</c> change at its next seq carrying the
/// alert with its basis (so Resume on the new unit finds it); one <c>moved</c> action by the writer. A raised alert
/// starts escalating again at tier 0 (the new unit's nurses) from the move; an acknowledged one keeps its state and
/// does not escalate. A resolved alert stays where it was. A discharge (no unit left) moves nothing: the open alerts
/// stay with the unit that had the patient, which can still acknowledge and resolve them.
/// </summary>
public sealed class AlertFollower(IOptions<AlertSettings> options, AlertBell bell)
{
    public const string Action = "moved";

    [Sql]
    private const string MoveAlert = """
        UPDATE alert SET unit = @Unit, escalation_tier = @EscalationTier, next_escalation_at = @NextEscalationAt, updated_at = @UpdatedAt, seq = @Seq
        WHERE id = @Id
        """;

    private readonly AlertSettings settings = options.Value;

    /// <summary>
    /// Moves the patient's open alerts to the unit they now belong on; returns the alerts moved (with their old unit).
    /// Takes the patient's lock first, as re-grading does, so a move and a raise of the same patient follow each other.
    /// </summary>
    public async Task<IReadOnlyList<(AlertRow Alert, string From)>> FollowAsync(
        DbConnection c, DbTransaction tx, string patientId, string by, string role, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        await GradeStore.LockPatientAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var to = await AlertUnit.OfPatientAsync(c, patientId, ct).ConfigureAwait(false);
        if (!AlertUnit.IsSeen(to))
        {
            return []; // a discharge: nowhere to move to
        }

        var moved = new List<(AlertRow, string)>();
        foreach (var alert in await AlertStore.OfPatientAsync(c, tx, patientId, ct).ConfigureAwait(false))
        {
            if (alert.State == AlertState.Resolved || alert.Unit == to)
            {
                continue;
            }

            moved.Add((alert, alert.Unit));
            await MoveAsync(c, tx, alert, to, by, role, now, ct).ConfigureAwait(false);
        }

        return moved;
    }

    private async Task MoveAsync(DbConnection c, DbTransaction tx, AlertRow alert, string to, string by, string role, DateTimeOffset now, CancellationToken ct)
    {
        var from = alert.Unit;

        // Both units' seq rows are locked until commit: take them in one order, so two opposite moves wait, not deadlock.
        var first = string.CompareOrdinal(from, to) < 0 ? from : to;
        var seqs = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [first] = await AlertStore.NextSeqAsync(c, tx, first, ct).ConfigureAwait(false),
        };
        var second = first == from ? to : from;
        seqs[second] = await AlertStore.NextSeqAsync(c, tx, second, ct).ConfigureAwait(false);

        alert.Unit = to;
        alert.Seq = seqs[to];
        alert.UpdatedAt = now;
        if (alert.State == AlertState.Raised)
        {
            // The new unit's staff have not been told: escalation starts again from its nurses, the next tier due from the move.
            alert.EscalationTier = 0;
            alert.NextEscalationAt = AlertUnit.FirstEscalation(settings, to, now);
        }

        await c.ExecuteAsync(Dialect.Command(c, tx, MoveAlert, alert, ct)).ConfigureAwait(false);
        await AlertStore.InsertActionAsync(
            c, tx, new AlertActionRow { AlertId = alert.Id, Action = Action, At = now, ByUser = by, Role = role, Note = $"from {from} to {to}" }, ct).ConfigureAwait(false);
        await ChangeAsync(c, tx, new AlertMove(alert.Id, from, seqs[from], alert.PatientId, from, to, now, null), now, ct).ConfigureAwait(false);
        await ChangeAsync(c, tx, new AlertMove(alert.Id, to, seqs[to], alert.PatientId, from, to, now, alert.ToDocument(null, settings)), now, ct).ConfigureAwait(false);
    }

    private async Task ChangeAsync(DbConnection c, DbTransaction tx, AlertMove move, DateTimeOffset now, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(move, AlertDocument.Json);
        await AlertStore.InsertChangeAsync(
            c, tx, new AlertChangeRow { Unit = move.Unit, Seq = move.Seq, AlertId = move.Id, Kind = AlertMove.Kind, Payload = payload, At = now }, ct).ConfigureAwait(false);
        bell.Ring(tx, move.Unit);
    }
}
