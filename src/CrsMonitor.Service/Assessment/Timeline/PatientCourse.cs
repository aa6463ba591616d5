using System.Globalization;
using CrsMonitor.Grading;
using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>The words readings use that continuous grading reads (drug classes, clinician-input codes, qualifiers).</summary>
internal static class TimelineWords
{
    // Medication classes of the drug map (Reading.Qualifier of a Medication reading).
    public const string Vasopressor = "vasopressor";
    public const string Vasopressin = "vasopressin";
    public const string Inotrope = "inotrope";
    public const string Antipyretic = "antipyretic";
    public const string AntiCytokine = "anti-cytokine";
    public const string Corticosteroid = "corticosteroid";
    public const string ProtocolDrug = "protocol-drug";
    public const string FluidBolus = "fluid-bolus";

    // Clinician inputs (Reading.Code of a ClinicianInput reading).
    public const string FeverAttributed = "fever-attributed-other-cause";
    public const string HypotensionAttributed = "hypotension-attributed-other-cause";
    public const string HypoxiaAttributed = "hypoxia-attributed-other-cause";
    public const string CrsDeath = "crs-death";
    public const string IcansDeath = "icans-death";
    public const string BaselineIceScore = "baseline-ice-score";
    public const string CapdBaseline = "capd-baseline";
    public const string DevelopmentalDelay = "developmental-delay";

    // Oxygen qualifiers and the room-air code of an SpO2 reading.
    public const string AtBaseline = "at-baseline";
    public const string ForComfort = "for-comfort";
    public const string RoomAir = "room-air";

    public static readonly string[] CrsClinicianInputs = [FeverAttributed, HypotensionAttributed, HypoxiaAttributed, CrsDeath];
    public static readonly string[] IcansClinicianInputs = [IcansDeath, BaselineIceScore, CapdBaseline, DevelopmentalDelay];
    public static readonly string[] VasoactiveClasses = [Vasopressor, Vasopressin, Inotrope];
    public static readonly string[] FeverTherapyClasses = [Antipyretic, AntiCytokine, Corticosteroid];

    /// <summary>Treatments listed for an ICANS episode (antipyretics treat fever, not ICANS).</summary>
    public static readonly string[] IcansTreatmentClasses = [AntiCytokine, Corticosteroid];

    public static readonly string[] MedicationClasses = [.. VasoactiveClasses, .. FeverTherapyClasses, ProtocolDrug, FluidBolus];
}

/// <summary>The CRS grader's input at one instant, with the basis a clinician reads and the latest fever that counted.</summary>
internal sealed record CrsSnapshot(CrsInput Input, IReadOnlyList<BasisInput> Basis, IReadOnlyList<string> StaleOrMissing, Reading? LatestFever);

/// <summary>The ICANS grader's input at one instant, with its basis.</summary>
internal sealed record IcansSnapshot(IcansInput Input, IReadOnlyList<BasisInput> Basis, IReadOnlyList<string> StaleOrMissing);

/// <summary>
/// One patient's readings, sorted in <see cref="ReadingOrder"/> and indexed per input, turned into grader inputs at any
/// instant (grading-rules.md section 5). Pure: the caller passes every instant.
/// </summary>
internal sealed class PatientCourse
{
    private readonly ContinuousGradingSettings settings;
    private readonly DateOnly? birthDate;
    private readonly Series temperatures;
    private readonly Series systolic;
    private readonly Series spo2;
    private readonly Series flows;
    private readonly Series devices;
    private readonly Series neuroChecks;
    private readonly Series medications;
    private readonly Series steroids;
    private readonly Series doses;
    private readonly Dictionary<string, Series> clinicianInputs;
    private readonly Dictionary<DateTimeOffset, List<Reading>> changing = [];
    private readonly Dictionary<DateTimeOffset, List<Reading>> expiring = [];
    private readonly SortedSet<DateTimeOffset> instants = [];

    /// <param name="patient">Whose course it is.</param>
    /// <param name="readings">The readings (any order); a bounded state's readings need only cover the instants graded.</param>
    /// <param name="settings">Staleness, lookback and masking periods.</param>
    /// <param name="from">The first instant to be graded (a seeded timeline's checkpoint): birthdays from it on are instants.</param>
    public PatientCourse(PatientFacts patient, IReadOnlyList<Reading> readings, ContinuousGradingSettings settings, DateTimeOffset? from = null)
    {
        this.settings = settings;
        birthDate = patient.BirthDate;
        var sorted = readings
            .Where(r => r.PatientId == patient.PatientId && Usable(r))
            .Select(r => r with { EffectiveAt = r.EffectiveAt.ToUniversalTime(), EndAt = r.EndAt?.ToUniversalTime() })
            .Order(ReadingOrder.Instance)
            .ToList();
        Series Of(ReadingKind kind) => new(sorted.Where(r => r.Kind == kind));
        temperatures = Of(ReadingKind.Temperature);
        systolic = Of(ReadingKind.SystolicBp);
        spo2 = Of(ReadingKind.Spo2);
        flows = Of(ReadingKind.OxygenFlow);
        devices = Of(ReadingKind.OxygenDevice);
        neuroChecks = Of(ReadingKind.NeuroCheck);
        medications = Of(ReadingKind.Medication);
        steroids = new Series(medications.Items.Where(m => m.Qualifier == TimelineWords.Corticosteroid));
        doses = new Series(medications.Items.Where(m => m.Qualifier == TimelineWords.ProtocolDrug));
        clinicianInputs = sorted.Where(r => r.Kind == ReadingKind.ClinicianInput)
            .GroupBy(r => r.Code!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new Series(g), StringComparer.Ordinal);

        var metLater = FeversMetWithinTheirLookback();
        foreach (var r in sorted)
        {
            Touch(changing, r.EffectiveAt, r);
            if (r.EndAt is { } end)
            {
                Touch(changing, end, r);
            }

            foreach (var expiry in Expiries(r, metLater))
            {
                Touch(expiring, expiry, r);
            }
        }

        foreach (var (r, stale) in StaleInstants(sorted))
        {
            Touch(expiring, stale, r);
        }

        AddBirthdays(from);
    }

    /// <summary>Every instant at which an input can change: reading start and end times, and every expiry.</summary>
    public IReadOnlySet<DateTimeOffset> Instants => instants;

    public static bool IsCrsInput(Reading r) => r.Kind switch
    {
        ReadingKind.Temperature or ReadingKind.SystolicBp or ReadingKind.Spo2 or ReadingKind.OxygenFlow
            or ReadingKind.OxygenDevice or ReadingKind.Medication => true,
        ReadingKind.ClinicianInput => TimelineWords.CrsClinicianInputs.Contains(r.Code),
        _ => false,
    };

    public static bool IsIcansInput(Reading r) =>
        r.Kind == ReadingKind.NeuroCheck || (r.Kind == ReadingKind.ClinicianInput && TimelineWords.IcansClinicianInputs.Contains(r.Code));

    /// <summary>The readings of <paramref name="scale"/> that start, end or expire exactly at <paramref name="at"/>.</summary>
    public IReadOnlyList<ReadingSource> CauseAt(Scale scale, DateTimeOffset at)
    {
        var ofScale = scale == Scale.Crs ? (Func<Reading, bool>)IsCrsInput : IsIcansInput;
        var started = changing.TryGetValue(at, out var c) ? c : [];
        var expired = expiring.TryGetValue(at, out var e) ? e : [];
        return [.. started.Concat(expired).Where(ofScale).Select(r => r.Source).Distinct().Order(SourceOrder.Instance)];
    }

    /// <summary>Drug keys of the medications of <paramref name="classes"/> started in [from, to), in order of first start.</summary>
    public IReadOnlyList<string> Treatments(IReadOnlyCollection<string> classes, DateTimeOffset from, DateTimeOffset? to) =>
        [.. medications.Items.Where(m => classes.Contains(m.Qualifier) && m.EffectiveAt >= from && (to is null || m.EffectiveAt < to))
            .Select(m => m.Code!).Distinct(StringComparer.Ordinal)];

    public int? AgeAt(DateTimeOffset at)
    {
        if (birthDate is not { } born)
        {
            return null;
        }

        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var age = day.Year - born.Year;
        if (age > 0 && born.AddYears(age) > day)
        {
            age--;
        }

        return Math.Max(0, age);
    }

    /// <summary>The CRS grader's input at <paramref name="at"/>; <paramref name="episodeOnset"/> is the onset of the CRS episode open at it.</summary>
    public CrsSnapshot Crs(DateTimeOffset at, DateTimeOffset? episodeOnset)
    {
        var basis = new List<BasisInput>();
        var gaps = new List<string>();

        // CRS-ATTRIB: clinician judgements; the latest at or before the instant applies. A fever attribution covers the
        // temperatures taken up to the moment it was recorded; a later fever is a new finding until attributed again.
        var feverAttribution = Clinician(TimelineWords.FeverAttributed, at, basis);
        DateTimeOffset? attributedUpTo = IsTrue(feverAttribution) ? feverAttribution!.EffectiveAt : null;
        var hypotensionAttributed = IsTrue(Clinician(TimelineWords.HypotensionAttributed, at, basis));
        var hypoxiaAttributed = IsTrue(Clinician(TimelineWords.HypoxiaAttributed, at, basis));
        var death = IsTrue(Clinician(TimelineWords.CrsDeath, at, basis));

        var (temperature, feverAttributed, latestFever) = TemperatureAt(at, attributedUpTo, basis, gaps);
        var sbp = Latest(systolic, at, settings.VitalsStaleAfter, "systolicBp", r => $"{Num(r.Value!.Value)} mmHg", basis, gaps);
        var oxygen = OxygenAt(at, basis, gaps);

        var established = episodeOnset is not null;
        var vasoactives = new List<VasoactiveInfusion>();
        var bolus = false;
        var therapy = false;
        var recentDrug = false;
        foreach (var m in medications.Items.Take(medications.LastIndexAtOrBefore(at) + 1))
        {
            if (TimelineWords.VasoactiveClasses.Contains(m.Qualifier))
            {
                // CRS-VASO: an infusion whose recorded end is at or before the instant is not running and does not count.
                if (m.EndAt is { } end && at >= end)
                {
                    continue;
                }

                if (Vocabulary.VasoactiveAgent.TryParse(m.Code, out var agent))
                {
                    vasoactives.Add(new VasoactiveInfusion(agent, m.EffectiveAt, m.EndAt));
                    basis.Add(Basis("vasoactive", m, $"{m.Code} ({m.Qualifier}) {Time(m.EffectiveAt)} to {(m.EndAt is { } e ? Time(e) : "running")}"));
                }
                else
                {
                    gaps.Add($"vasoactive: {m.Code} ({m.Qualifier}) of {Describe(m.Source)} is not an agent the grader knows: not counted");
                }
            }
            else if (m.Qualifier == TimelineWords.FluidBolus && at < Latest(m.EffectiveAt, m.EndAt) + settings.VitalsStaleAfter)
            {
                bolus = true;
                basis.Add(Basis("fluidBolus", m, $"{m.Code} ({m.Qualifier})"));
            }

            // CRS-MASK: antipyretic or anti-cytokine therapy given during the open episode.
            if (episodeOnset is { } onset && m.EffectiveAt >= onset && TimelineWords.FeverTherapyClasses.Contains(m.Qualifier))
            {
                therapy = true;
                basis.Add(Basis("feverTherapy", m, $"{m.Code} ({m.Qualifier})"));
            }
            else if (at - m.EffectiveAt < settings.PremedicationMasksFor && TimelineWords.FeverTherapyClasses.Contains(m.Qualifier))
            {
                // CRS-AFEBRILE: a drug that may mask fever, given within the masking period.
                recentDrug = true;
                basis.Add(Basis("feverModifyingDrug", m, $"{m.Code} ({m.Qualifier})"));
            }
        }

        var premedication = !established && PremedicationAt(at, basis);
        var input = new CrsInput
        {
            Temperature = temperature,
            CrsEstablished = established,
            FeverTherapyGiven = therapy,
            SteroidPremedication = premedication,
            FeverModifyingDrugRecent = recentDrug,
            AgeYears = AgeAt(at),
            FeverAttributedToOtherCause = feverAttributed,
            HypotensionAttributedToOtherCause = hypotensionAttributed,
            HypoxiaAttributedToOtherCause = hypoxiaAttributed,
            SystolicBpMmHg = sbp?.Value,
            FluidBolusForHypotension = bolus,
            Vasoactives = vasoactives,
            AssessedAt = at,
            Oxygen = oxygen,
            DeathAttributedToCrs = death,
        };
        return new CrsSnapshot(input, basis, gaps, latestFever);
    }

    /// <summary>The ICANS grader's input at <paramref name="at"/>: the latest current neuro check plus age and clinician inputs.</summary>
    public IcansSnapshot Icans(DateTimeOffset at)
    {
        var basis = new List<BasisInput>();
        var gaps = new List<string>();
        var death = IsTrue(Clinician(TimelineWords.IcansDeath, at, basis));
        var baselineIce = ClinicianInteger(TimelineWords.BaselineIceScore, at, 10, basis, gaps);
        var capdBaseline = ClinicianInteger(TimelineWords.CapdBaseline, at, 32, basis, gaps);
        var delay = Clinician(TimelineWords.DevelopmentalDelay, at, basis);
        var age = AgeAt(at);
        if (age is null)
        {
            gaps.Add("age: no birth date recorded");
        }

        var detail = new IcansInput();
        var check = neuroChecks.LatestAtOrBefore(at);
        if (check is null || !Fresh(check, at, settings.NeuroCheckStaleAfter))
        {
            Missing("neuroCheck", check, settings.NeuroCheckStaleAfter, r => NeuroSummary(r), basis, gaps);
        }
        else if (Parsed(check) is { } parsed)
        {
            detail = parsed;
            basis.Add(Basis("neuroCheck", check, Describe(parsed)));
        }
        else
        {
            gaps.Add($"neuroCheck: the detail of {Describe(check.Source)} at {Time(check.EffectiveAt)} is not a valid neuro check: not used");
        }

        var input = detail with
        {
            AgeYears = age,
            BaselineIceScore = baselineIce ?? detail.BaselineIceScore,
            CapdBaseline = capdBaseline ?? detail.CapdBaseline,
            DevelopmentalDelay = delay is null ? detail.DevelopmentalDelay : IsTrue(delay),
            DeathAttributedToIcans = death || detail.DeathAttributedToIcans,
        };
        return new IcansSnapshot(input, basis, gaps);
    }

    private static bool Usable(Reading r) => r.Kind switch
    {
        ReadingKind.Temperature or ReadingKind.SystolicBp or ReadingKind.Spo2 or ReadingKind.OxygenFlow => r.Value is not null,
        ReadingKind.OxygenDevice => r.Code is not null,
        ReadingKind.NeuroCheck => r.Detail is not null,
        ReadingKind.Medication => r.Code is not null && TimelineWords.MedicationClasses.Contains(r.Qualifier),
        ReadingKind.ClinicianInput => r.Value is not null
            && (TimelineWords.CrsClinicianInputs.Contains(r.Code) || TimelineWords.IcansClinicianInputs.Contains(r.Code)),
        _ => false, // heart rate, respiratory rate, diastolic BP and FiO2 are not ASTCT grading inputs
    };

    private static bool IsTrue(Reading? clinicianInput) => clinicianInput?.Value == 1m;

    private static bool IsFever(Reading temperature) => temperature.Value >= 38.0m;

    /// <summary>A reading taken at t is current at instants t ≤ T &lt; t + period (stale from t + period on).</summary>
    private static bool Fresh(Reading r, DateTimeOffset at, TimeSpan period) => r.EffectiveAt <= at && at < r.EffectiveAt + period;

    private static DateTimeOffset Latest(DateTimeOffset a, DateTimeOffset? b) => b is { } x && x > a ? x : a;

    /// <summary>
    /// The instants at which vital signs, oxygen devices and neuro checks go stale, each with its reading: only where the
    /// reading is still the latest of its input then. A reading replaced before it went stale changes nothing when it
    /// does, so it is neither an instant nor a cause (an SpO2 on room air is replaced only by another on room air: the
    /// room-air SpO2 is an input of its own). So a bounded state (<see cref="BoundedReadings"/>) needs, before its
    /// checkpoint, only the last reading of each input: any earlier one went stale before the checkpoint or was replaced.
    /// </summary>
    private IEnumerable<(Reading Reading, DateTimeOffset At)> StaleInstants(List<Reading> sorted)
    {
        var inputs = sorted.Where(r => StalePeriod(r) is not null).GroupBy(r => (r.Kind, RoomAir: r.Kind == ReadingKind.Spo2 && r.Code == TimelineWords.RoomAir));
        foreach (var input in inputs)
        {
            // Any later SpO2 replaces one not on room air: it is newer for both the SpO2 and the room-air SpO2.
            IReadOnlyList<Reading> replacing = input.Key is (ReadingKind.Spo2, false) ? spo2.Items : [.. input];
            foreach (var r in input)
            {
                var stale = r.EffectiveAt + StalePeriod(r)!.Value;
                var next = NextAfter(replacing, r);
                if (next is null || next.EffectiveAt > stale)
                {
                    yield return (r, stale);
                }
            }
        }
    }

    /// <summary>The reading after <paramref name="r"/> in <paramref name="ordered"/> (in <see cref="ReadingOrder"/>), or null.</summary>
    private static Reading? NextAfter(IReadOnlyList<Reading> ordered, Reading r)
    {
        int lo = 0, hi = ordered.Count;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (ReadingOrder.Instance.Compare(ordered[mid], r) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo < ordered.Count ? ordered[lo] : null;
    }

    private TimeSpan? StalePeriod(Reading r) => r.Kind switch
    {
        ReadingKind.Temperature or ReadingKind.SystolicBp or ReadingKind.Spo2 or ReadingKind.OxygenFlow => settings.VitalsStaleAfter,
        ReadingKind.OxygenDevice => settings.OxygenDeviceStaleAfter,
        ReadingKind.NeuroCheck => settings.NeuroCheckStaleAfter,
        _ => null,
    };

    /// <summary>
    /// The other expiries: a fever leaving the fever lookback (unless a later fever at least as high is still within it:
    /// <paramref name="metLater"/>), a fluid bolus or fever therapy ceasing to count.
    /// </summary>
    private IEnumerable<DateTimeOffset> Expiries(Reading r, HashSet<Reading> metLater)
    {
        switch (r.Kind)
        {
            case ReadingKind.Temperature when IsFever(r) && !metLater.Contains(r):
                yield return r.EffectiveAt + settings.FeverLookback; // only a fever counts within the lookback
                break;
            case ReadingKind.Medication when r.Qualifier == TimelineWords.FluidBolus:
                yield return Latest(r.EffectiveAt, r.EndAt) + settings.VitalsStaleAfter;
                break;
            case ReadingKind.Medication when TimelineWords.FeverTherapyClasses.Contains(r.Qualifier):
                yield return r.EffectiveAt + settings.PremedicationMasksFor; // CRS-PREMED and CRS-AFEBRILE masking ends
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// The fevers whose leaving the lookback changes nothing: a later fever (a later instant) at least as high is taken
    /// within the lookback after them, so it is in every window they are in, and still there when they leave. The fever gate
    /// takes the highest and, of equals, the newest (<see cref="TemperatureAt"/>); an attribution leaves out the earlier
    /// fevers first. Neither an instant nor a cause: the bounded load does not read these fevers before its checkpoint
    /// (<see cref="BoundedReadings"/>), and the timeline must not depend on which readings were loaded.
    /// </summary>
    private HashSet<Reading> FeversMetWithinTheirLookback()
    {
        var fevers = temperatures.Items.Where(IsFever).ToList();
        var met = new HashSet<Reading>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < fevers.Count; i++)
        {
            var f = fevers[i];
            for (var j = i + 1; j < fevers.Count && fevers[j].EffectiveAt <= f.EffectiveAt + settings.FeverLookback; j++)
            {
                if (fevers[j].EffectiveAt > f.EffectiveAt && fevers[j].Value >= f.Value)
                {
                    met.Add(f);
                    break;
                }
            }
        }

        return met;
    }

    private void Touch(Dictionary<DateTimeOffset, List<Reading>> map, DateTimeOffset at, Reading r)
    {
        instants.Add(at);
        if (!map.TryGetValue(at, out var list))
        {
            map[at] = list = [];
        }

        list.Add(r);
    }

    /// <summary>ICANS-AGE: age changes at a birthday (midnight UTC), which can switch between ICE and CAPD.</summary>
    private void AddBirthdays(DateTimeOffset? from)
    {
        if (birthDate is not { } born || instants.Count == 0)
        {
            return;
        }

        // A seeded course grades from `from` on: a birthday at that very instant is one to grade.
        var (first, last) = (from is { } f && f <= instants.Min ? f.AddTicks(-1) : instants.Min, instants.Max);
        for (var year = Math.Max(1, first.UtcDateTime.Year - born.Year); year <= last.UtcDateTime.Year - born.Year; year++)
        {
            var birthday = new DateTimeOffset(born.AddYears(year).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            if (birthday > first && birthday <= last)
            {
                instants.Add(birthday);
            }
        }
    }

    /// <summary>
    /// The fever gate (grading-rules.md section 5): the highest fever not attributed to another cause within the
    /// lookback; without one, the latest current temperature; without that, none (reported, never assumed normal).
    /// </summary>
    private (Temperature? Temperature, bool Attributed, Reading? LatestFever) TemperatureAt(
        DateTimeOffset at, DateTimeOffset? attributedUpTo, List<BasisInput> basis, List<string> gaps)
    {
        Reading? highest = null, latestFever = null;
        foreach (var r in temperatures.NewestFirst(at, at - settings.FeverLookback))
        {
            if (!IsFever(r) || r.EffectiveAt <= attributedUpTo)
            {
                continue;
            }

            latestFever ??= r;
            if (highest is null || r.Value > highest.Value)
            {
                highest = r;
            }
        }

        var latest = temperatures.LatestAtOrBefore(at);
        var current = latest is not null && Fresh(latest, at, settings.VitalsStaleAfter) ? latest : null;
        if (highest is not null)
        {
            basis.Add(Basis("temperature", highest, $"{TemperatureText(highest)} (highest fever within {Period(settings.FeverLookback)})"));
            if (current is not null && !ReferenceEquals(current, highest))
            {
                basis.Add(Basis("latestTemperature", current, TemperatureText(current)));
            }

            return (Celsius(highest), false, latestFever);
        }

        if (current is null)
        {
            Missing("temperature", latest, settings.VitalsStaleAfter, TemperatureText, basis, gaps);
            return (null, false, null);
        }

        basis.Add(Basis("temperature", current, TemperatureText(current)));
        var newFever = IsFever(current) && current.EffectiveAt > attributedUpTo;
        return (Celsius(current), attributedUpTo is not null && !newFever, null);
    }

    private OxygenSupport? OxygenAt(DateTimeOffset at, List<BasisInput> basis, List<string> gaps)
    {
        var device = devices.LatestAtOrBefore(at);
        if (device is null || !Fresh(device, at, settings.OxygenDeviceStaleAfter))
        {
            Missing("oxygenDevice", device, settings.OxygenDeviceStaleAfter, DeviceText, basis, gaps);
            return null;
        }

        if (!Vocabulary.OxygenDevice.TryParse(device.Code, out var kind))
        {
            gaps.Add($"oxygenDevice: '{device.Code}' of {Describe(device.Source)} is not an oxygen device the grader knows: not used");
            return null;
        }

        basis.Add(Basis("oxygenDevice", device, DeviceText(device)));
        var since = at - settings.VitalsStaleAfter;

        // The flow set with this device: recorded with it, or after it.
        var flow = flows.NewestFirst(at, since).FirstOrDefault(f => f.EffectiveAt >= device.EffectiveAt || SameResource(f, device));
        if (flow is not null)
        {
            basis.Add(Basis("oxygenFlow", flow, $"{Num(flow.Value!.Value)} L/min"));
        }
        else if (kind is OxygenDevice.NasalCannula or OxygenDevice.HighFlowNasalCannula)
        {
            gaps.Add($"oxygenFlow: none recorded with or since the oxygen device at {Time(device.EffectiveAt)} within {Period(settings.VitalsStaleAfter)}");
        }

        // SpO2 measured on room air: any SpO2 since a room-air device reading, or one the source says was on room air.
        var roomAir = spo2.NewestFirst(at, since).FirstOrDefault(s =>
            s.Code == TimelineWords.RoomAir || (kind == OxygenDevice.RoomAir && (s.EffectiveAt >= device.EffectiveAt || SameResource(s, device))));
        if (roomAir is not null)
        {
            basis.Add(Basis("roomAirSpo2", roomAir, $"{Num(roomAir.Value!.Value)} %"));
        }
        else if (device.Qualifier == TimelineWords.ForComfort)
        {
            gaps.Add($"roomAirSpo2: none recorded within {Period(settings.VitalsStaleAfter)}, needed to accept oxygen for comfort");
        }

        return new OxygenSupport(
            kind,
            flow?.Value,
            AtBaseline: device.Qualifier == TimelineWords.AtBaseline,
            ForComfort: device.Qualifier == TimelineWords.ForComfort,
            RoomAirSpo2Percent: roomAir?.Value);
    }

    /// <summary>
    /// CRS-PREMED: a corticosteroid given at most <see cref="ContinuousGradingSettings.PremedicationBeforeDose"/> before a
    /// protocol-drug dose already started, within <see cref="ContinuousGradingSettings.PremedicationMasksFor"/> of the instant.
    /// </summary>
    private bool PremedicationAt(DateTimeOffset at, List<BasisInput> basis)
    {
        foreach (var steroid in steroids.NewestFirst(at, at - settings.PremedicationMasksFor))
        {
            var dose = doses.NewestFirst(at, steroid.EffectiveAt - TimeSpan.FromTicks(1))
                .LastOrDefault(d => d.EffectiveAt - steroid.EffectiveAt <= settings.PremedicationBeforeDose);
            if (dose is not null)
            {
                basis.Add(Basis("steroidPremedication", steroid, $"{steroid.Code} ({steroid.Qualifier}) before the dose"));
                basis.Add(Basis("protocolDose", dose, $"{dose.Code} ({dose.Qualifier})"));
                return true;
            }
        }

        return false;
    }

    private Reading? Clinician(string code, DateTimeOffset at, List<BasisInput> basis)
    {
        var input = clinicianInputs.GetValueOrDefault(code)?.LatestAtOrBefore(at);
        if (input is not null)
        {
            basis.Add(Basis(code, input, input.Value == 1m ? "true" : input.Value == 0m ? "false" : Num(input.Value!.Value)));
        }

        return input;
    }

    private int? ClinicianInteger(string code, DateTimeOffset at, int max, List<BasisInput> basis, List<string> gaps)
    {
        var input = clinicianInputs.GetValueOrDefault(code)?.LatestAtOrBefore(at);
        if (input is null)
        {
            return null;
        }

        var value = input.Value!.Value;
        if (value != decimal.Truncate(value) || value < 0 || value > max)
        {
            gaps.Add($"{code}: {Num(value)} of {Describe(input.Source)} is not a whole number from 0 to {max}: not used");
            return null;
        }

        basis.Add(Basis(code, input, Num(value)));
        return (int)value;
    }

    /// <summary>The latest reading of <paramref name="series"/> current at the instant; a stale or absent one is reported.</summary>
    private static Reading? Latest(
        Series series, DateTimeOffset at, TimeSpan period, string name, Func<Reading, string> text, List<BasisInput> basis, List<string> gaps)
    {
        var latest = series.LatestAtOrBefore(at);
        if (latest is not null && Fresh(latest, at, period))
        {
            basis.Add(Basis(name, latest, text(latest)));
            return latest;
        }

        Missing(name, latest, period, text, basis, gaps);
        return null;
    }

    private static void Missing(string name, Reading? stale, TimeSpan period, Func<Reading, string> text, List<BasisInput> basis, List<string> gaps)
    {
        if (stale is null)
        {
            gaps.Add($"{name}: none recorded");
            return;
        }

        var value = text(stale);
        basis.Add(new BasisInput(name, value, stale.EffectiveAt, stale.Source, Stale: true));
        gaps.Add($"{name}: last {value} at {Time(stale.EffectiveAt)} is stale ({Period(period)} or older)");
    }

    private static IcansInput? Parsed(Reading check) => check.Detail?.NeuroCheck;

    private static string NeuroSummary(Reading check) => Parsed(check) is { } parsed ? Describe(parsed) : "neuro check (not valid)";

    private static bool SameResource(Reading a, Reading b) =>
        a.Source.ResourceType == b.Source.ResourceType && a.Source.ResourceId == b.Source.ResourceId;

    private static BasisInput Basis(string name, Reading r, string value) => new(name, value, r.EffectiveAt, r.Source, Stale: false);

    /// <summary>
    /// The temperature as the grader compares it: the original °F value when it was sent in °F (CRS-FEVER compares °F
    /// exactly, and a stored °C conversion may be rounded by the database: SQL Server keeps 6 decimals), else °C.
    /// </summary>
    private static Temperature Celsius(Reading r)
    {
        const string Fahrenheit = " [degF]";
        return r.OriginalValue is { } original && original.EndsWith(Fahrenheit, StringComparison.Ordinal)
            && decimal.TryParse(original[..^Fahrenheit.Length], NumberStyles.Number, CultureInfo.InvariantCulture, out var f)
            ? new Temperature(f, TemperatureUnit.Fahrenheit)
            : new Temperature(r.Value!.Value, TemperatureUnit.Celsius);
    }

    /// <summary>The temperature in °C as recorded (a converted °F value to 2 decimals, for display only), with a non-Celsius original.</summary>
    private static string TemperatureText(Reading r)
    {
        var text = $"{decimal.Round(r.Value!.Value, 2).ToString(CultureInfo.InvariantCulture)} °C";
        return r.OriginalValue is { } original && !original.EndsWith(" Cel", StringComparison.Ordinal) ? $"{text} ({original})" : text;
    }

    private static string DeviceText(Reading r) => r.Qualifier is { } q ? $"{r.Code} ({q})" : r.Code!;

    private static string Describe(ReadingSource s) => $"{s.ResourceType}/{s.ResourceId}/_history/{s.VersionId}";

    /// <summary>A neuro check in a clinician's words: ICE or CAPD, consciousness and findings.</summary>
    private static string Describe(IcansInput i)
    {
        var parts = new List<string>();
        if (i.IceNotPossibleReason is { } why)
        {
            parts.Add($"ICE not possible ({Vocabulary.IceNotPossibleReason.Code(why)})");
        }
        else if ((i.IceItems?.Total ?? i.IceScore) is { } ice)
        {
            parts.Add($"ICE {ice}/10");
        }

        if ((i.CapdItems?.Total ?? i.CapdScore) is { } capd)
        {
            parts.Add($"CAPD {capd}");
        }

        if (i.Consciousness is { } c)
        {
            parts.Add(Vocabulary.Consciousness.Code(c));
        }

        if (i.Sedated)
        {
            parts.Add("sedated");
        }

        if (i.Seizure is { } seizure and not Seizure.None)
        {
            parts.Add($"seizure {Vocabulary.Seizure.Code(seizure)}");
        }

        if (i.Motor is MotorFinding.DeepFocalWeakness)
        {
            parts.Add($"motor {Vocabulary.Motor.Code(MotorFinding.DeepFocalWeakness)}");
        }

        if (i.Icp?.Where(f => f != IcpFinding.None).Select(Vocabulary.Icp.Code).ToList() is { Count: > 0 } icp)
        {
            parts.Add($"icp {string.Join(" ", icp)}");
        }

        if (i.ExcludedFindings.Count > 0)
        {
            parts.Add($"excluded {string.Join(" ", i.ExcludedFindings.Select(Vocabulary.ExcludedFinding.Code))}");
        }

        return parts.Count == 0 ? "no findings recorded" : string.Join(", ", parts);
    }

    internal static string Num(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Time(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return utc.Ticks % TimeSpan.TicksPerMinute == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
    }

    internal static string Period(TimeSpan period) => period.Ticks % TimeSpan.TicksPerHour == 0
        ? $"{(long)period.TotalHours} h"
        : $"{Num((decimal)period.TotalMinutes)} min";
}
