using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// Issue 12, grading from stored state: a write re-grades from the latest checkpoint at or before its earliest changed
/// instant over a bounded set of readings. The whole-history computation (<see cref="GradeTimeline.Compute(PatientFacts, IReadOnlyList{Reading}, GradingSettings, ContinuousGradingSettings)"/>)
/// is the oracle: after every write of a generated course (late, out-of-order, corrected and retracted readings, episodes
/// that close and reopen, doses and premedication, a birthday), the stored points and episodes equal it.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
[TestFixture(StorageProvider.SqlServer)]
public sealed class IncrementalGradingTests(StorageProvider provider) : StorageContract(provider)
{
    private const string Patient = TimelineCourse.PatientId;
    private static readonly ContinuousGradingSettings Settings = new();
    private readonly GradeRecalculator recalculator = new(Options.Create(GradingSettings.Default), Options.Create(Settings));

    [TestCase(1, 60.0)]
    [TestCase(7, 72.0)]
    [TestCase(2026, 96.0)]
    public async Task EveryWrite_StoredTimelineEqualsTheWholeHistoryComputation(int seed, double hours)
    {
        var arrivals = GeneratedCourse.Arrivals(seed, GeneratedCourse.Readings(seed, hours));
        await InTransaction(async (c, tx) =>
        {
            await PatientStore.UpsertPatientAsync(c, tx, Patient, GeneratedCourse.ChildBirthDate, "Test Child", TimelineCourse.T0, default);
            return 0;
        });

        var bounded = 0;
        foreach (var arrival in arrivals)
        {
            var (loaded, until) = await WriteAsync(arrival);
            var all = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, Patient, default));
            bounded += loaded < all.Count ? 1 : 0;
            var expected = GradeTimeline.Compute(new PatientFacts(Patient, GeneratedCourse.ChildBirthDate), all, GradingSettings.Default, Settings, until);
            await AssertStoredEquals(expected, $"after {arrival.SourceType}/{arrival.SourceId} arriving at {arrival.At:O}");
        }

        Assert.That(bounded, Is.GreaterThan(arrivals.Count / 2), "most writes graded from a checkpoint over a bounded set of readings");
    }

    [Test]
    public async Task AReadingReplacedBeforeItWentStale_IsNoCause_WhereTheGradeChangesAtThatInstant()
    {
        // An SpO2 at h0, replaced at h1 by one on room air; at h4, the instant the first would go stale, the SBP falls to 80
        // with a fever: CRS 2. Its cause is the SBP, not the SpO2 of h0; and a write at h4 graded from the checkpoint of
        // h2, which holds only the last SpO2 and the last on room air, stores what the whole history gives.
        var course = new TimelineCourse()
            .Temperature(0, 38.5m, "t-0").Spo2(0, 97, onRoomAir: false, id: "s-0").Systolic(0, 120, "bp-0")
            .Spo2(1, 96, onRoomAir: true, id: "s-1").Temperature(2, 38.2m, "t-2").Systolic(4, 80, "bp-4");
        foreach (var resource in course.Readings.GroupBy(x => x.Source))
        {
            await WriteAsync(new GeneratedCourse.Arrival(resource.First().EffectiveAt, resource.Key.ResourceType, resource.Key.ResourceId, [.. resource]));
        }

        var all = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, Patient, default));
        var whole = GradeTimeline.Compute(new PatientFacts(Patient, null), all, GradingSettings.Default, Settings, TimelineCourse.H(4));
        await AssertStoredEquals(whole, "after the SBP of h4");
        var atH4 = whole.Points.Single(p => p.Scale == Scale.Crs && p.At == TimelineCourse.H(4));
        Assert.That(atH4.Cause.Select(x => x.ResourceId), Is.EqualTo(new[] { "bp-4" }));
    }

    [Test]
    public async Task Status_GradedFromTheCheckpointBeforeNow_EqualsTheWholeHistoryGrade_AtAnyInstant()
    {
        var arrivals = GeneratedCourse.Arrivals(11, GeneratedCourse.Readings(11, 72));
        foreach (var arrival in arrivals)
        {
            await WriteAsync(arrival);
        }

        var all = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, Patient, default));
        var facts = new PatientFacts(Patient, null);
        for (var h = 1.0; h < 80; h += 3.7)
        {
            var at = TimelineCourse.H(h);
            var (_, seed) = await WithConnection(c => CheckpointStore.AtOrBeforeAsync(c, null, Patient, at, default));
            var readings = await WithConnection(c => BoundedReadings.SinceAsync(c, null, Patient, seed!.At, Settings, default));
            var fromSeed = GradeTimeline.At(facts, readings, at, GradingSettings.Default, Settings, seed);
            var whole = GradeTimeline.At(facts, all, at, GradingSettings.Default, Settings);
            Assert.That(Json(fromSeed.Crs) + Json(fromSeed.Icans), Is.EqualTo(Json(whole.Crs) + Json(whole.Icans)), $"at h{h}");
        }
    }

    [Test]
    public async Task InOrderWrites_ToALongDenseCourse_LoadABoundedNumberOfReadings_WhateverTheHistory()
    {
        // Ten hours of a wearable's temperature and SpO2 every 2 minutes, each sent on its own as it is taken.
        var course = new TimelineCourse();
        for (var m = 0; m < 10 * 60; m += 2)
        {
            course.Temperature(m / 60.0, 36.8m).Spo2(m / 60.0, 97, onRoomAir: true);
        }

        var loads = new List<int>();
        foreach (var resource in course.Readings.GroupBy(x => x.Source))
        {
            var taken = resource.First().EffectiveAt;
            loads.Add((await WriteAsync(new GeneratedCourse.Arrival(taken, resource.Key.ResourceType, resource.Key.ResourceId, [.. resource]))).Loaded);
        }

        // A write needs what is current at its checkpoint (the last temperature, SpO2 and SpO2 on room air) and what came
        // after it: neither the history nor the 4 h of readings the vitals look back over (240 here, about 360 on a wearable).
        Assert.That(loads.Skip(loads.Count / 2).Max(), Is.LessThanOrEqualTo(6), $"history {course.Readings.Count} readings");
    }

    [Test]
    public async Task InOrderWrites_ToAFebrileDenseCourse_LoadOnlyTheFeversNoLaterOneMeets_AndStoreTheWholeHistoryTimeline()
    {
        // Ten hours of a febrile wearable: a temperature between 38.0 and 40.4 °C every 2 minutes, each sent as taken. The
        // fever gate takes the highest fever of the last 24 h, so before this issue's fourth session every write loaded
        // every fever of the look-back (up to 300 here, 720 a day); a fever that a later one equals or exceeds is never
        // the highest of a window that reaches past the checkpoint, and is not loaded.
        var random = new Random(5);
        var course = new TimelineCourse().Systolic(0, 118, "bp-0").Spo2(0, 97, onRoomAir: true, id: "s-0");
        for (var m = 2; m < 10 * 60; m += 2)
        {
            course.Temperature(m / 60.0, 38.0m + (random.Next(0, 25) / 10m), $"t-{m}");
        }

        var loads = new List<int>();
        var until = TimelineCourse.T0;
        foreach (var resource in course.Readings.GroupBy(x => x.Source))
        {
            var taken = resource.First().EffectiveAt;
            var (loaded, upTo) = await WriteAsync(new GeneratedCourse.Arrival(taken, resource.Key.ResourceType, resource.Key.ResourceId, [.. resource]));
            loads.Add(loaded);
            until = upTo;
        }

        var all = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, Patient, default));
        var whole = GradeTimeline.Compute(new PatientFacts(Patient, null), all, GradingSettings.Default, Settings, until);
        await AssertStoredEquals(whole, "after ten hours of fevers");
        Assert.That(loads.Skip(loads.Count / 2).Max(), Is.LessThanOrEqualTo(30), $"{all.Count} readings, {all.Count - 2} of them fevers");
    }

    [Test]
    public async Task AFeverMetByALaterOne_LeavingTheLookback_IsNoInstantNorCause_SoEveryWriteStoresTheWholeHistoryTimeline()
    {
        // Thirty hours of half-hourly fevers (38.0-39.2 °C) and blood pressures that fall and recover, all on the half hour:
        // after 24 h each fever leaves the lookback at the instant of another reading, where the grade may change. A fever
        // that a later, at least as high fever within its lookback meets changes nothing when it leaves; the bounded load
        // does not even read it, and the whole-history computation must not list it as a cause either.
        var random = new Random(12);
        var course = new TimelineCourse().Spo2(0, 97, onRoomAir: true, id: "s-0");
        for (var h = 0.5; h <= 30; h += 0.5)
        {
            course.Temperature(h, 38.0m + (random.Next(0, 13) / 10m), $"t-{h}").Systolic(h, random.Next(3) == 0 ? 84 : 118, $"bp-{h}");
            if (h % 3 == 0)
            {
                course.Spo2(h, 97, onRoomAir: true, id: $"s-{h}");
            }
        }

        foreach (var resource in course.Readings.GroupBy(x => x.Source))
        {
            var (_, until) = await WriteAsync(new GeneratedCourse.Arrival(resource.First().EffectiveAt, resource.Key.ResourceType, resource.Key.ResourceId, [.. resource]));
            var all = await WithConnection(c => ReadingStore.ForPatientAsync(c, null, Patient, default));
            var whole = GradeTimeline.Compute(new PatientFacts(Patient, null), all, GradingSettings.Default, Settings, until);
            await AssertStoredEquals(whole, $"after {resource.Key.ResourceId}");
        }
    }

    private static string Json(GradePoint p) => JsonSerializer.Serialize(GradePointDocument.From(p), GradePointDocument.JsonOptions);

    private async Task<(int Loaded, DateTimeOffset Until)> WriteAsync(GeneratedCourse.Arrival arrival) =>
        await InTransaction(async (c, tx) =>
        {
            var previous = await ReadingStore.ReplaceAsync(c, tx, arrival.SourceType, arrival.SourceId, arrival.Readings, newSource: false, default);
            var from = arrival.Readings.Select(x => x.EffectiveAt).Concat(previous.Select(x => x.EffectiveAt)).DefaultIfEmpty(DateTimeOffset.MinValue).Min();
            var loaded = await recalculator.RecalculateAsync(c, tx, Patient, from, arrival.At, default);
            var all = await ReadingStore.ForPatientAsync(c, tx, Patient, default);
            var until = all.Select(x => x.EndAt is { } end && end > x.EffectiveAt ? end : x.EffectiveAt).Append(arrival.At).Max();
            return (loaded.Count, until);
        });

    private async Task AssertStoredEquals(Timeline expected, string when)
    {
        var points = await WithConnection(c => GradeStore.TimelineAsync(c, Patient, null, null, null, default));
        var episodes = await WithConnection(c => GradeStore.EpisodesAsync(c, Patient, default));
        var expectedPoints = expected.Points.OrderBy(p => p.At).ThenBy(p => p.Scale)
            .Select(p => $"{p.Scale} {p.At:O} {Json(p)} {JsonSerializer.Serialize(p.Cause, GradePointDocument.JsonOptions)}");
        var storedPoints = points.Select(p => $"{p.Scale} {p.EffectiveAt:O} {Normalise(p.ResultJson)} {p.CauseJson}");
        var expectedEpisodes = expected.Episodes.OrderBy(e => e.OnsetAt).ThenBy(e => e.Scale)
            .Select(e => $"{e.Scale} {e.OnsetAt:O} {e.MaxGrade} {e.MaxAt:O} {e.ResolvedAt:O} {string.Join(",", e.Treatments)}");
        var storedEpisodes = episodes.Select(e => $"{e.Scale} {e.OnsetAt:O} {e.MaxGrade} {e.MaxAt:O} {e.ResolvedAt:O} {string.Join(",", JsonSerializer.Deserialize<string[]>(e.TreatmentsJson)!)}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(storedPoints, Is.EqualTo(expectedPoints), $"points {when}");
            Assert.That(storedEpisodes, Is.EqualTo(expectedEpisodes), $"episodes {when}");
        }
    }

    /// <summary>The stored result document as the same serialiser writes it (instants read back in UTC).</summary>
    private static string Normalise(string json) =>
        JsonSerializer.Serialize(GradePointDocument.Parse(json), GradePointDocument.JsonOptions);
}
