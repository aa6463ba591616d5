using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>
/// Issue 12: what one monitoring refresh reads does not grow with the patient's history. Counted rows and statements
/// (<see cref="BoundedMonitoringReads"/>), not time: a patient with two weeks of wearable readings before the dose and a
/// dense stream inside the open window reads exactly what a patient with only that window's stream reads, a few rows
/// per slot.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BoundedRefreshCostTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Dose = new(2026, 1, 19, 9, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task Refresh_DenseOpenWindow_ReadsAFewRowsPerSlot_TheSameWithTwoWeeksOfHistoryAsWithHours()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = Dose.AddHours(21);
        var history = 0;
        foreach (var patient in new[] { "p-short", "p-long" })
        {
            await db.Database.InTransactionAsync(async (c, tx) =>
            {
                // Both: a neuro check before the dose (the first ICE in the window is compared with it).
                await ReadingStore.ReplaceAsync(c, tx, "Observation", $"{patient}-ice-before", [Neuro(patient, Dose.AddHours(-2), $"{patient}-ice-before")], newSource: false, default);
                if (patient == "p-long")
                {
                    // Two weeks before the dose: SpO2 every minute and temperature every 2 minutes (30,240 readings), plus neuro checks.
                    history = await StreamAsync(c, tx, patient, Dose.AddDays(-14), Dose, "history");
                    for (var at = Dose.AddDays(-14); at < Dose; at = at.AddHours(8))
                    {
                        await ReadingStore.ReplaceAsync(c, tx, "Observation", $"{patient}-ice-{at:yyyyMMddHH}", [Neuro(patient, at, $"{patient}-ice-{at:yyyyMMddHH}")], newSource: false, default);
                    }
                }

                await ReadingStore.ReplaceAsync(c, tx, "MedicationAdministration", $"{patient}-dose", [Administration(patient)], newSource: false, default);
                await StreamAsync(c, tx, patient, Dose, now, "window");
                for (var h = 4; h <= 20; h += 4) // the blood pressure of each 4-hourly check
                {
                    var id = $"{patient}-sbp-{h}";
                    await ReadingStore.ReplaceAsync(c, tx, "Observation", id, [Reading(patient, ReadingKind.SystolicBp, Dose.AddHours(h).AddMinutes(-5), id, 0)], newSource: false, default);
                }
            }, default);
        }

        var none = await RefreshAsync(db, "p-short", now);
        var longCourse = await RefreshAsync(db, "p-long", now);
        var slots = await SlotsAsync(db, "p-long");
        var again = await RefreshAsync(db, "p-long", now.AddMinutes(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(history, Is.EqualTo((14 * 24 * 60) + (14 * 24 * 30)), "readings of history before the dose");
            Assert.That(longCourse, Is.EqualTo(none), "rows and statements with two weeks of history, as with a few hours");
            Assert.That(again, Is.EqualTo(none), "a second refresh reads as much again, no more");

            // The window holds 21 h of SpO2 and temperature (1,890 readings); the refresh reads the dose, the last neuro
            // check before the window, and per vital-signs slot (4 h, 8 h, 12 h, 16 h, 20 h) the first temperature, blood
            // pressure and SpO2 in its span: 1 + 1 + 5 × 3.
            Assert.That(none.Readings, Is.EqualTo(1 + 1 + (5 * 3)), "reading rows read by one refresh");
            Assert.That(none.Statements, Is.LessThanOrEqualTo(12), "statements on readings and grade points in one refresh");
            Assert.That(slots, Is.EqualTo("vital-signs done 5, ice overdue 2"), "the refresh did its work");
        }
    }

    private static async Task<(long Readings, long Statements)> RefreshAsync(TestDatabase db, string patient, DateTimeOffset now)
    {
        var reads = new BoundedMonitoringReads();
        var processor = BoundedRefreshCourse.Processor(reads);
        await db.Database.InTransactionAsync(async (c, tx) => await processor.RefreshAsync(c, tx, patient, await PatientSnapshot.LoadAsync(c, tx, patient, now, default), now, Actors.Ingest, default), default);
        return (reads.ReadingsRead, reads.Statements);
    }

    private static async Task<string> SlotsAsync(TestDatabase db, string patient)
    {
        await using var c = await db.Database.OpenAsync(default);
        var rows = await Dapper.SqlMapper.QueryAsync<(string Kind, string State, long Count)>(c,
            """
            SELECT s.kind, s.state, COUNT(*) FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id
            WHERE w.patient_id = @P AND s.state <> 'pending' GROUP BY s.kind, s.state ORDER BY s.kind DESC, s.state
            """, new { P = patient });
        return string.Join(", ", rows.Select(r => $"{r.Kind} {r.State} {r.Count}"));
    }

    /// <summary>SpO2 every minute and temperature every 2 minutes in [from, to), stored in sources of 1,000 readings.</summary>
    private static async Task<int> StreamAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string patient, DateTimeOffset from, DateTimeOffset to, string name)
    {
        var readings = new List<(ReadingKind Kind, DateTimeOffset At)>();
        for (var at = from.AddSeconds(30); at < to; at = at.AddMinutes(1))
        {
            readings.Add((ReadingKind.Spo2, at));
            if ((at - from).Ticks / TimeSpan.TicksPerMinute % 2 == 0)
            {
                readings.Add((ReadingKind.Temperature, at));
            }
        }

        foreach (var (chunk, i) in readings.Chunk(1000).Select((chunk, i) => (chunk, i)))
        {
            var id = $"{patient}-{name}-{i}";
            await ReadingStore.ReplaceAsync(c, tx, "Observation", id, [.. chunk.Select((r, n) => Reading(patient, r.Kind, r.At, id, n))], newSource: false, default);
        }

        return readings.Count;
    }

    private static Reading Reading(string patient, ReadingKind kind, DateTimeOffset at, string id, int sequence) => new()
    {
        PatientId = patient, Kind = kind, EffectiveAt = at, Value = kind == ReadingKind.Spo2 ? 97m : kind == ReadingKind.Temperature ? 36.8m : 120m,
        Source = new ReadingSource("Observation", id, 1), Sequence = sequence,
    };

    private static Reading Neuro(string patient, DateTimeOffset at, string id) => new()
    {
        PatientId = patient, Kind = ReadingKind.NeuroCheck, EffectiveAt = at, Detail = ReadingDetail.Of("""{"iceScore": 10}"""), Source = new ReadingSource("Observation", id, 1),
    };

    private static Reading Administration(string patient) => new()
    {
        PatientId = patient, Kind = ReadingKind.Medication, EffectiveAt = Dose, EndAt = Dose.AddHours(1), Code = "tarlatamab", Qualifier = "protocol-drug",
        Source = new ReadingSource("MedicationAdministration", $"{patient}-dose", 1),
    };
}
