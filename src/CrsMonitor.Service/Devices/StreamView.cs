using System.Data.Common;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Devices;

/// <summary>An enrolled stream on the status (issue 17): <c>state</c> is <c>receiving</c>, <c>no-data</c> or <c>silent</c>.</summary>
public sealed record StreamView(
    string EnrolmentId, string Device, string Signal, DateTimeOffset? LastAt, int ExpectedEverySeconds, int GraceSeconds, string State,
    DateTimeOffset? SilentSince);

/// <summary>A device's wear in a monitoring window open now: worn minutes (and seconds) and its share of the window so far.</summary>
public sealed record WearView(
    string WindowId, string ProtocolWindowId, string Setting, string EnrolmentId, string Device, long WornSeconds, int WornMinutes, long WindowSeconds,
    decimal Percent);

/// <summary>The census's data-gap summary of a patient: the silent signals (no data inside an open window) and since when.</summary>
public sealed record NoDataSummary(IReadOnlyList<string> Signals, IReadOnlyList<string> Words, DateTimeOffset Since);

/// <summary>The device streams of a patient as the status and the census show them (read only; the states the pass computes).</summary>
public sealed record DeviceStreamsView(IReadOnlyList<StreamView> Streams, IReadOnlyList<WearView> Wear)
{
    public static readonly DeviceStreamsView None = new([], []);

    /// <summary>The census summary; null when no stream has a data gap.</summary>
    public NoDataSummary? NoData => Streams.Where(s => s.State == StreamStateNames.NoData).ToList() is { Count: > 0 } gaps
        ? new NoDataSummary([.. gaps.Select(g => g.Signal).Distinct()], [.. gaps.Select(g => Signals.Words(g.Signal)).Distinct()], gaps.Min(g => g.SilentSince!.Value))
        : null;

    /// <summary>Reads the patient's running streams and the wear of the windows open at <paramref name="now"/>.</summary>
    public static async Task<DeviceStreamsView> ReadAsync(DbConnection c, string patientId, DateTimeOffset now, CancellationToken ct)
    {
        var streams = await DeviceStore.ActiveStreamsAsync(c, null, patientId, ct).ConfigureAwait(false);
        if (streams.Count == 0)
        {
            return None;
        }

        var windows = await MonitoringStore.WindowsAsync(c, null, patientId, ct).ConfigureAwait(false);
        var views = streams.Select(s => StreamStates.At(s, windows, now))
            .Select(s => new StreamView(s.EnrolmentId, s.Device, s.Signal, s.LastAt, s.ExpectedEverySeconds, s.GraceSeconds, s.State, s.SilentSince))
            .ToList();
        var open = StreamStates.OpenAt(windows, now).ToList();
        var wear = new List<WearView>();
        if (open.Count > 0)
        {
            var rows = await DeviceStore.WearAsync(c, null, patientId, ct).ConfigureAwait(false);
            foreach (var enrolment in streams.GroupBy(s => s.EnrolmentId))
            {
                int Every(string signal) => enrolment.FirstOrDefault(s => s.Signal == signal)?.EverySeconds ?? enrolment.Min(s => s.EverySeconds);
                foreach (var window in open)
                {
                    // No row yet (no pass since the window opened): the row the pass would start, from the device's last reading.
                    var seed = enrolment.Where(s => s.LastAt is not null).OrderByDescending(s => s.LastAt).ThenByDescending(s => s.EverySeconds).FirstOrDefault();
                    var row = rows.FirstOrDefault(r => r.WindowId == window.Id && r.EnrolmentId == enrolment.Key)
                        ?? new WearRow { WindowId = window.Id, EnrolmentId = enrolment.Key, PatientId = patientId, LastAt = seed?.LastAt, LastSignal = seed?.Signal };
                    var w = StreamStates.Wear(row, window, enrolment.First().Device, Every, now);
                    wear.Add(new WearView(window.Id, window.ProtocolWindowId, window.SettingCode, w.EnrolmentId, w.Device, w.WornSeconds, w.WornMinutes,
                        w.WindowMs / 1000, w.Percent));
                }
            }
        }

        return new DeviceStreamsView(views, wear);
    }
}
