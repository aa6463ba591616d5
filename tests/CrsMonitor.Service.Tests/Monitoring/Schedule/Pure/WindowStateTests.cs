using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Pure;

/// <summary>
/// <see cref="MonitoringView.StateAt"/> (a window's state at "now" from its stored state, its times and the episodes)
/// and <see cref="MonitoringView.SlotStateAt"/> (a check slot's state at "now").
/// </summary>
public sealed class WindowStateTests
{
    private static readonly DateTimeOffset T = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A tarlatamab C1D1 observed window (opens T, earliest end T+22 h, latest T+24 h); an episode with onset and
    /// resolution in minutes after T (no onset: no episode).
    /// </summary>
    [TestCase(WindowState.Open, -1, null, null, "upcoming", TestName = "StateAt_BeforeTheOpening_Upcoming")]
    [TestCase(WindowState.Open, 0, null, null, "active", TestName = "StateAt_AtTheOpening_Active")]
    [TestCase(WindowState.Open, 22 * 60 - 1, null, null, "active", TestName = "StateAt_BeforeTheEarliestEnd_Active")]
    [TestCase(WindowState.Open, 22 * 60 - 1, 600, null, "active", TestName = "StateAt_BeforeTheEarliestEndWithCrsOngoing_Active")]
    [TestCase(WindowState.Open, 22 * 60, null, null, "eligible-for-discharge", TestName = "StateAt_AtTheEarliestEndNothingActive_EligibleForDischarge")]
    [TestCase(WindowState.Open, 22 * 60, 600, null, "toxicity-active", TestName = "StateAt_AtTheEarliestEndEpisodeOngoing_ToxicityActive")]
    [TestCase(WindowState.Open, 22 * 60, 600, 1200, "eligible-for-discharge", TestName = "StateAt_AtTheEarliestEndEpisodeResolvedBefore_EligibleForDischarge")]
    [TestCase(WindowState.Open, 22 * 60, 600, 23 * 60, "toxicity-active", TestName = "StateAt_EpisodeResolvingLater_ToxicityActiveUntilThen")]
    [TestCase(WindowState.Open, 23 * 60 - 1, 600, 23 * 60, "toxicity-active", TestName = "StateAt_JustBeforeTheResolution_ToxicityActive")]
    [TestCase(WindowState.Open, 23 * 60, 600, 23 * 60, "eligible-for-discharge", TestName = "StateAt_AtTheResolution_EligibleForDischarge")]
    [TestCase(WindowState.Open, 22 * 60, 22 * 60 + 30, null, "eligible-for-discharge", TestName = "StateAt_EpisodeNotYetStarted_EligibleForDischarge")]
    [TestCase(WindowState.Open, 22 * 60, 22 * 60, null, "toxicity-active", TestName = "StateAt_EpisodeStartingNow_ToxicityActive")]
    [TestCase(WindowState.Open, 24 * 60 - 1, 600, null, "toxicity-active", TestName = "StateAt_JustBeforeTheLatestEndEpisodeOngoing_ToxicityActive")]
    [TestCase(WindowState.Open, 24 * 60, null, null, "maximum-passed", TestName = "StateAt_AtTheLatestEndNoDecision_MaximumPassed")]
    [TestCase(WindowState.Open, 24 * 60, 600, null, "maximum-passed", TestName = "StateAt_AtTheLatestEndEpisodeOngoing_MaximumPassed")]
    [TestCase(WindowState.Open, 30 * 60, null, null, "maximum-passed", TestName = "StateAt_AfterTheLatestEnd_MaximumPassed")]
    [TestCase(WindowState.Closed, -1, null, null, "closed", TestName = "StateAt_Closed_ClosedBeforeTheOpening")]
    [TestCase(WindowState.Closed, 12 * 60, 600, null, "closed", TestName = "StateAt_Closed_ClosedWhateverTheEpisodes")]
    [TestCase(WindowState.Closed, 30 * 60, null, null, "closed", TestName = "StateAt_Closed_ClosedAfterTheLatestEnd")]
    [TestCase(WindowState.Superseded, 12 * 60, null, null, "superseded", TestName = "StateAt_Superseded_Superseded")]
    [TestCase(WindowState.Completed, 12 * 60, null, null, "completed", TestName = "StateAt_StoredCompleted_Completed")]
    public void StateAt_ObservedWindow(WindowState stored, int nowMinutes, int? onsetMinutes, int? resolvedMinutes, string expected)
    {
        var window = Window("observed", stored, opensAfterHours: 0, earliestHours: 22, latestHours: 24);

        Assert.That(MonitoringView.StateAt(window, Episodes(onsetMinutes, resolvedMinutes), T.AddMinutes(nowMinutes)), Is.EqualTo(expected));
    }

    [TestCase(12 * 60, "active")]
    [TestCase(22 * 60, "eligible-for-discharge")]
    [TestCase(48 * 60, "maximum-passed")]
    public void StateAt_InpatientWindow_HasChecksLikeAnObservedOne(int nowMinutes, string expected)
    {
        var window = Window("inpatient", WindowState.Open, opensAfterHours: 0, earliestHours: 22, latestHours: 48);

        Assert.That(MonitoringView.StateAt(window, [], T.AddMinutes(nowMinutes)), Is.EqualTo(expected));
    }

    /// <summary>The C1D1 proximity window: opens at the observed window's earliest end (T+22 h), ends at T+48 h; no checks.</summary>
    [TestCase(22 * 60 - 1, null, "upcoming", TestName = "StateAt_Proximity_BeforeItOpens_Upcoming")]
    [TestCase(22 * 60, null, "active", TestName = "StateAt_Proximity_Open_Active")]
    [TestCase(30 * 60, 600, "active", TestName = "StateAt_Proximity_EpisodeOngoing_StillActive")]
    [TestCase(48 * 60 - 1, null, "active", TestName = "StateAt_Proximity_JustBeforeItsEnd_Active")]
    [TestCase(48 * 60, null, "completed", TestName = "StateAt_Proximity_AtItsEnd_Completed")]
    [TestCase(48 * 60, 600, "completed", TestName = "StateAt_Proximity_AtItsEndEpisodeOngoing_CompletedNotMaximumPassed")]
    public void StateAt_ProximityWindow(int nowMinutes, int? onsetMinutes, string expected)
    {
        var window = Window("proximity", WindowState.Open, opensAfterHours: 22, earliestHours: 48, latestHours: 48);
        Assert.That(window.HasChecks, Is.False);

        Assert.That(MonitoringView.StateAt(window, Episodes(onsetMinutes, null), T.AddMinutes(nowMinutes)), Is.EqualTo(expected));
    }

    [Test]
    public void StateAt_AnyOfSeveralEpisodesActive_ToxicityActive()
    {
        var window = Window("observed", WindowState.Open, 0, 22, 24);
        EpisodeSpan[] episodes =
        [
            new() { Scale = Scale.Crs, OnsetAt = T.AddHours(10), MaxGrade = 2, MaxAt = T.AddHours(12), ResolvedAt = T.AddHours(18) },
            new() { Scale = Scale.Icans, OnsetAt = T.AddHours(21), MaxGrade = 1, MaxAt = T.AddHours(21) },
        ];

        Assert.That(MonitoringView.StateAt(window, episodes, T.AddHours(22)), Is.EqualTo("toxicity-active"));
        Assert.That(MonitoringView.StateAt(window, episodes[..1], T.AddHours(22)), Is.EqualTo("eligible-for-discharge"));
    }

    [TestCase(0, 60)]
    [TestCase(22 * 60, 22 * 60 + 30)]
    public void EpisodeSpan_ActiveFromOnsetUntilResolution(int onsetMinutes, int resolvedMinutes)
    {
        var episode = new EpisodeSpan { Scale = Scale.Crs, OnsetAt = T.AddMinutes(onsetMinutes), ResolvedAt = T.AddMinutes(resolvedMinutes) };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(episode.ActiveAt(episode.OnsetAt.AddTicks(-1)), Is.False, "before the onset");
            Assert.That(episode.ActiveAt(episode.OnsetAt), Is.True, "at the onset");
            Assert.That(episode.ActiveAt(episode.ResolvedAt!.Value.AddTicks(-1)), Is.True, "just before the resolution");
            Assert.That(episode.ActiveAt(episode.ResolvedAt!.Value), Is.False, "at the resolution");
        }
    }

    [Test]
    public void EpisodeSpan_Unresolved_ActiveForeverAfterOnset()
    {
        var episode = new EpisodeSpan { Scale = Scale.Icans, OnsetAt = T };

        Assert.That(episode.ActiveAt(T.AddYears(1)), Is.True);
        Assert.That(episode.ActiveAt(T.AddTicks(-1)), Is.False);
    }

    /// <summary>A slot due T+4 h, overdue T+4:15 (the protocol's 15-minute grace).</summary>
    [TestCase(null, 3 * 60, SlotState.Pending, TestName = "SlotStateAt_BeforeTheDueTime_Pending")]
    [TestCase(null, 4 * 60, SlotState.Pending, TestName = "SlotStateAt_AtTheDueTime_Pending")]
    [TestCase(null, 4 * 60 + 14, SlotState.Pending, TestName = "SlotStateAt_InsideTheGrace_Pending")]
    [TestCase(null, 4 * 60 + 15, SlotState.Overdue, TestName = "SlotStateAt_ExactlyAtOverdueAt_Overdue")]
    [TestCase(null, 12 * 60, SlotState.Overdue, TestName = "SlotStateAt_LongAfter_Overdue")]
    [TestCase(4 * 60 - 10, 4 * 60 - 5, SlotState.Done, TestName = "SlotStateAt_DoneEarly_Done")]
    [TestCase(4 * 60 + 40, 5 * 60, SlotState.Done, TestName = "SlotStateAt_DoneLate_DoneNotOverdue")]
    public void SlotStateAt(int? doneMinutes, int nowMinutes, SlotState expected)
    {
        var slot = new SlotRow
        {
            Id = "s1", WindowId = "w1", Kind = "vital-signs", DueAt = T.AddHours(4), OverdueAt = T.AddHours(4).AddMinutes(15),
            Basis = "routine", DoneAt = doneMinutes is { } m ? T.AddMinutes(m) : null, DoneBy = doneMinutes is null ? null : "Observation/v",
        };

        Assert.That(MonitoringView.SlotStateAt(slot, T.AddMinutes(nowMinutes)), Is.EqualTo(expected));
    }

    [Test]
    public void SlotStateAt_OneTickBeforeOverdueAt_Pending_AtOverdueAt_Overdue()
    {
        var slot = new SlotRow { Id = "s1", Kind = "ice", DueAt = T.AddHours(8), OverdueAt = T.AddHours(8).AddMinutes(15) };

        Assert.That(MonitoringView.SlotStateAt(slot, slot.OverdueAt.AddTicks(-1)), Is.EqualTo(SlotState.Pending));
        Assert.That(MonitoringView.SlotStateAt(slot, slot.OverdueAt), Is.EqualTo(SlotState.Overdue));
    }

    private static WindowRow Window(string setting, WindowState state, int opensAfterHours, int earliestHours, int latestHours) => new()
    {
        Id = "w1", PatientId = "p1", DoseId = "d1", ProtocolId = "tarlatamab-us-2025-11", ProtocolWindowId = $"c1-{setting}",
        SettingCode = setting, Anchor = "start", OpensAt = T.AddHours(opensAfterHours), EarliestEndAt = T.AddHours(earliestHours),
        LatestEndAt = T.AddHours(latestHours), Source = "test", State = state,
        ClosedAt = state == WindowState.Closed ? T.AddHours(22) : null,
    };

    private static EpisodeSpan[] Episodes(int? onsetMinutes, int? resolvedMinutes) => onsetMinutes is { } onset
        ?
        [
            new()
            {
                Scale = Scale.Crs, OnsetAt = T.AddMinutes(onset), MaxGrade = 1, MaxAt = T.AddMinutes(onset),
                ResolvedAt = resolvedMinutes is { } r ? T.AddMinutes(r) : null,
            },
        ]
        : [];
}
