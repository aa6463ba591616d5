using System.Data.Common;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Devices;

/// <summary>
/// The device streams' part of the patient pass (issue 17; <see cref="Assessment.PatientWork"/>, under the patient's
/// lock, in the write's transaction): reads the patient's running enrolments' streams (one statement; nothing more for a
/// patient with none), the device readings this unit of work brought (from its earliest changed instant: bounded by the
/// write, never the stream's history), moves each stream's last reading and its due instant
/// (<c>device_stream.due_at</c>, which <see cref="DeviceGapWorker"/> follows), counts the new readings into the wear of
/// each open window (<c>device_wear</c>, incrementally), and returns every stream's state at "now" for the alert rules.
/// </summary>
public sealed class DeviceStreams
{
    /// <summary>The pass for one patient; returns the states of the running enrolments' streams at <paramref name="now"/>.</summary>
    /// <remarks><paramref name="streams"/>: the running enrolments' streams, as the pass read them (<see cref="Assessment.PatientSnapshot"/>).</remarks>
    public async Task<IReadOnlyList<StreamState>> RunAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<StreamRow> streams, DateTimeOffset? readingsFrom, IReadOnlyList<WindowRow> windows,
        DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count == 0)
        {
            return [];
        }

        var fresh = readingsFrom is { } from
            ? (await DeviceStore.ReadingsFromAsync(c, tx, patientId, from, ct).ConfigureAwait(false))
                .Select(r => (Reading: r, Stream: streams.FirstOrDefault(s => s.Device == r.Device && s.Signal == Signals.Of(r.Kind))))
                .Where(m => m.Stream is not null)
                .Select(m => (m.Reading, Stream: m.Stream!))
                .ToList()
            : [];

        await WearAsync(c, tx, patientId, streams, fresh, windows, now, ct).ConfigureAwait(false);

        var states = new List<StreamState>(streams.Count);
        foreach (var stream in streams)
        {
            var lastAt = stream.LastAt;
            foreach (var (reading, _) in fresh.Where(m => ReferenceEquals(m.Stream, stream)))
            {
                lastAt = lastAt is { } l && l >= reading.At ? l : reading.At;
            }

            var changed = lastAt != stream.LastAt;
            stream.LastAt = lastAt;
            var state = StreamStates.At(stream, windows, now);
            var due = StreamStates.NextDue(state, windows, now);
            if (changed || due != stream.DueAt)
            {
                stream.DueAt = due;
                await DeviceStore.UpdateStreamAsync(c, tx, stream, ct).ConfigureAwait(false);
            }

            states.Add(state);
        }

        return states;
    }

    /// <summary>
    /// Counts the new readings into each open window's wear per enrolment; a window's row starts from the device's last
    /// reading before this pass (so a reading just before the window opened covers its first moments).
    /// </summary>
    private static async Task WearAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<StreamRow> streams, IReadOnlyList<(DeviceReading Reading, StreamRow Stream)> fresh,
        IReadOnlyList<WindowRow> windows, DateTimeOffset now, CancellationToken ct)
    {
        var open = StreamStates.OpenAt(windows, now).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var rows = (await DeviceStore.WearAsync(c, tx, patientId, ct).ConfigureAwait(false))
            .ToDictionary(r => (r.WindowId, r.EnrolmentId));
        foreach (var enrolment in streams.GroupBy(s => s.EnrolmentId))
        {
            int Every(string signal) => enrolment.FirstOrDefault(s => s.Signal == signal)?.EverySeconds ?? enrolment.Min(s => s.EverySeconds);
            var grace = enrolment.First().GraceSeconds;
            var readings = fresh.Where(m => m.Stream.EnrolmentId == enrolment.Key).Select(m => m.Reading).ToList();
            foreach (var window in open)
            {
                var exists = rows.TryGetValue((window.Id, enrolment.Key), out var row);
                if (row is null)
                {
                    var seed = enrolment.Where(s => s.LastAt is not null).OrderByDescending(s => s.LastAt).ThenByDescending(s => s.EverySeconds).FirstOrDefault();
                    row = new WearRow { WindowId = window.Id, EnrolmentId = enrolment.Key, PatientId = patientId, LastAt = seed?.LastAt, LastSignal = seed?.Signal };
                }

                var changed = !exists;
                var until = StreamStates.CountsUntil(window, now);
                foreach (var reading in readings)
                {
                    changed |= StreamStates.Advance(row, Signals.Of(reading.Kind)!, reading.At, Every, grace, window.OpensAt, until);
                }

                if (changed)
                {
                    await DeviceStore.SaveWearAsync(c, tx, row, exists, ct).ConfigureAwait(false);
                }
            }
        }
    }
}
