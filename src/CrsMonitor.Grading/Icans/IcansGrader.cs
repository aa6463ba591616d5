using System.Globalization;

namespace CrsMonitor.Grading.Icans;

/// <summary>
/// ASTCT 2019 ICANS grade for one neuro check (grading-rules.md sections 2 and 3). Grade = the most severe domain
/// (ICANS-MAX).
/// <list type="table">
/// <listheader><term>domain</term><description>1 / 2 / 3 / 4</description></listheader>
/// <item><term>ICE (age ≥ 12)</term><description>7–9 / 3–6 / 0–2 / unarousable, unable to perform ICE</description></item>
/// <item><term>CAPD (age &lt; 12)</term><description>1–8 changed from baseline / — / ≥ 9 / unarousable, unable to perform</description></item>
/// <item><term>consciousness</term><description>awakens spontaneously / to voice / only to touch / unarousable, stupor, coma</description></item>
/// <item><term>seizure</term><description>— / — / rapidly resolving, non-convulsive resolved with intervention / prolonged &gt; 5 min, repetitive</description></item>
/// <item><term>motor</term><description>— / — / — / deep focal weakness</description></item>
/// <item><term>raised ICP</term><description>— / — / focal edema / diffuse edema, posturing, CN VI palsy, papilledema, Cushing's triad</description></item>
/// </list>
/// Sedation makes the ICE (or CAPD) and consciousness domains not assessable, never 0 (ICANS-SEDATION).
/// </summary>
public static class IcansGrader
{
    public static GradeResult Grade(IcansInput input, GradingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        var r = new ResultBuilder();
        RecordInputs(input, r);

        if (input.DeathAttributedToIcans)
        {
            r.Rule("ICANS-DEATH", "Grade 5: death due to ICANS recorded by a clinician");
            return r.Graded(5);
        }

        foreach (var excluded in input.ExcludedFindings.Distinct())
        {
            r.Rule("ICANS-EXCL", $"{Vocabulary.ExcludedFinding.Code(excluded)} is excluded from ICANS (graded by CTCAE)");
        }

        var useCapd = UseCapd(input, settings, r);
        var sedated = input.Sedated || input.IceNotPossibleReason == IceNotPossibleReason.Sedated;
        var unarousable = !sedated && (input.IceNotPossibleReason == IceNotPossibleReason.Unarousable
            || input.Consciousness == Consciousness.Unarousable);

        DomainResult[] scale = sedated
            ? [useCapd ? CapdDomain(input, true, unarousable, r) : IceDomain(input, true, unarousable, r)]
            : ScaleDomains(input, useCapd, unarousable, r);
        DomainResult[] domains =
        [
            .. scale,
            ConsciousnessDomain(input, sedated, useCapd, r),
            SeizureDomain(input, useCapd, r),
            MotorDomain(input, useCapd, r),
            IcpDomain(input, useCapd, r),
        ];
        foreach (var d in domains)
        {
            r.Domain(d);
        }

        var graded = domains.Where(d => d.Status == DomainStatus.Graded).ToList();
        var grade = graded.Count == 0 ? 0 : graded.Max(d => d.Grade!.Value);
        var summary = string.Join(", ", domains.Select(Describe));
        var scaleName = useCapd ? "CAPD" : "ICE";

        if (sedated)
        {
            if (grade > 0)
            {
                r.Rule("ICANS-SEDATION", $"Sedated: {scaleName} and consciousness not assessable; graded from the other domains");
                r.Flag(GradeFlags.Sedated);
                r.Rule("ICANS-MAX", $"Grade {grade}: the most severe domain ({summary})");
                return r.Graded(grade);
            }

            r.Rule("ICANS-SEDATION", $"Not gradable: sedated, so {scaleName} and consciousness are not assessable, and no other domain is positive");
            r.Flag(GradeFlags.Sedated);
            return r.NotGradable(NotGradableReasons.Sedated);
        }

        if (scale.All(d => d.Status == DomainStatus.Missing))
        {
            // ICANS-MISSING: no score and no "not possible" on either scale; never a silent 0.
            if (grade == 0)
            {
                r.Rule("ICANS-MISSING", $"Not gradable: no {scaleName} recorded (neither a score nor \"not possible\") and no positive domain");
                return r.NotGradable(useCapd ? NotGradableReasons.CapdMissing : NotGradableReasons.IceMissing);
            }

            r.Flag(GradeFlags.IncompleteAssessment);
            r.Rule("ICANS-MISSING", $"Grade {grade} is a lower bound: no {scaleName} recorded, graded from the positive domains ({summary})");
            return r.Graded(grade);
        }

        if (grade < 4 && domains.Any(d => d.Domain == "consciousness" && d.Status == DomainStatus.Missing))
        {
            r.Flag(GradeFlags.IncompleteAssessment);
        }

        r.Rule("ICANS-MAX", $"Grade {grade}: the most severe domain ({summary})");
        return r.Graded(grade);
    }

    /// <summary>
    /// ICANS-SCALE: the scale for the age is preferred. Only the other scale scored: graded from it, flag
    /// <c>scale-age-mismatch</c>. Both scored with different domain grades: both listed (the more severe counts), flag
    /// <c>scales-disagree</c>. A recorded score on either scale is never ignored.
    /// </summary>
    private static DomainResult[] ScaleDomains(IcansInput input, bool useCapd, bool unarousable, ResultBuilder r)
    {
        DomainResult Scale(bool capd) => capd ? CapdDomain(input, false, unarousable, r) : IceDomain(input, false, unarousable, r);
        var iceScored = input.IceItems is not null || input.IceScore is not null;
        var capdScored = input.CapdItems is not null || input.CapdScore is not null;
        var (preferred, other) = useCapd ? ("CAPD", "ICE") : ("ICE", "CAPD");
        if (!(useCapd ? iceScored : capdScored))
        {
            return [Scale(useCapd)];
        }

        var otherDomain = Scale(!useCapd);
        if (!(useCapd ? capdScored : iceScored) && input.IceNotPossibleReason is null)
        {
            r.Rule("ICANS-SCALE", $"Only {other} was scored, although {preferred} is the scale for this patient (ICANS-AGE): graded from {other} (review)");
            r.Flag(GradeFlags.ScaleAgeMismatch);
            return [otherDomain];
        }

        var preferredDomain = Scale(useCapd);
        if (preferredDomain.Grade != otherDomain.Grade)
        {
            var worse = (otherDomain.Grade ?? 0) > (preferredDomain.Grade ?? 0) ? other : preferred;
            r.Rule("ICANS-SCALE", $"{preferred} domain {preferredDomain.Grade} and {other} domain {otherDomain.Grade} disagree: the more severe ({worse}) counts (review)");
            r.Flag(GradeFlags.ScalesDisagree);
        }

        return [preferredDomain, otherDomain];
    }

    private static bool UseCapd(IcansInput input, GradingSettings settings, ResultBuilder r)
    {
        var min = settings.IceMinimumAgeYears;
        if (input.DevelopmentalDelay)
        {
            r.Rule("ICANS-AGE", "Developmental delay: CAPD used instead of ICE");
            return true;
        }

        switch (input.AgeYears)
        {
            case int age when age < min:
                r.Rule("ICANS-AGE", $"Age {age} is below {min} (setting iceMinimumAgeYears): CAPD used instead of ICE");
                return true;
            case int age when age == min:
                r.Rule("ICANS-AGE", $"Age {age} is exactly the ICE threshold {min} (setting iceMinimumAgeYears; sources disagree): ICE used");
                r.Flag(GradeFlags.IceAgeThreshold);
                return false;
            case int age:
                r.Rule("ICANS-AGE", $"Age {age}: ICE used");
                return false;
            default:
                var capdOnly = input.IceItems is null && input.IceScore is null && (input.CapdScore is not null || input.CapdItems is not null);
                r.Rule("ICANS-AGE", capdOnly ? "Age not recorded; a CAPD score was given: CAPD used" : "Age not recorded: adult scale (ICE) used");
                return capdOnly;
        }
    }

    private static DomainResult IceDomain(IcansInput input, bool sedated, bool unarousable, ResultBuilder r)
    {
        const string Ice = "ice";
        if (sedated)
        {
            return new DomainResult(Ice, DomainStatus.NotAssessable, null, NotGradableReasons.Sedated);
        }

        if (input.IceNotPossibleReason == IceNotPossibleReason.Unarousable)
        {
            r.Rule("ICANS-ICE0", "ICE domain 4: ICE not possible because the patient is unarousable (not sedated)");
            return new DomainResult(Ice, DomainStatus.Graded, 4);
        }

        int? score = input.IceItems?.Total ?? input.IceScore;
        if (score is not int s)
        {
            if (unarousable)
            {
                r.Rule("ICANS-ICE0", "ICE domain 4: unarousable, unable to perform ICE");
                return new DomainResult(Ice, DomainStatus.Graded, 4);
            }

            r.Missing("iceScore");
            return new DomainResult(Ice, DomainStatus.Missing, null);
        }

        if (input.BaselineIceScore is int baseline && baseline < 10)
        {
            r.Flag(GradeFlags.BaselineLimited);
            if (s >= baseline)
            {
                r.Rule("ICANS-BASELINE", $"ICE domain 0: ICE {s} is not below the recorded baseline ICE {baseline}");
                return new DomainResult(Ice, DomainStatus.Graded, 0, GradeFlags.BaselineLimited);
            }

            r.Rule("ICANS-BASELINE", $"ICE {s} is below the recorded baseline ICE {baseline}: graded by the ICE bands");
        }

        if (s == 0)
        {
            if (unarousable)
            {
                return Ice0(r, 4, "ICE domain 4: ICE 0 because unarousable (not sedated)");
            }

            if (input.Consciousness is null)
            {
                // ICANS-MISSING: without a level of consciousness the ICE 0 may be an unarousable patient's (grade 4).
                r.Flag(GradeFlags.IncompleteAssessment);
                return Ice0(r, 3, "ICE domain 3: ICE 0 with the level of consciousness not recorded; a lower bound (ICANS-MISSING)");
            }

            return Ice0(r, 3, "ICE domain 3: ICE 0 in an awake patient");
        }

        var grade = s switch
        {
            10 => 0,
            >= 7 => 1,
            >= 3 => 2,
            _ => 3,
        };
        r.Rule("ICANS-ICE", $"ICE domain {grade}: ICE {s}/10{(input.IceItems is null ? string.Empty : " from items")} ({BandText(grade)})");
        return new DomainResult(Ice, DomainStatus.Graded, grade);

        static DomainResult Ice0(ResultBuilder r, int grade, string text)
        {
            r.Rule("ICANS-ICE0", text);
            return new DomainResult(Ice, DomainStatus.Graded, grade);
        }

        static string BandText(int grade) => grade switch
        {
            0 => "10 is normal",
            1 => "7–9",
            2 => "3–6",
            _ => "0–2",
        };
    }

    private static DomainResult CapdDomain(IcansInput input, bool sedated, bool unarousable, ResultBuilder r)
    {
        const string Capd = "capd";
        if (sedated)
        {
            r.Rule("CAPD-4", "CAPD not assessable: not performed because of sedation");
            return new DomainResult(Capd, DomainStatus.NotAssessable, null, NotGradableReasons.Sedated);
        }

        if (input.CapdItems is { } items)
        {
            r.Rule("CAPD-ITEMS", $"CAPD {items.Total}/32 from the eight items (items 1–4 reverse-scored)");
        }

        int? score = input.CapdItems?.Total ?? input.CapdScore;
        if (score is not int s)
        {
            if (unarousable)
            {
                r.Rule("CAPD-4", "CAPD domain 4: unable to perform CAPD because unarousable (not sedated)");
                return new DomainResult(Capd, DomainStatus.Graded, 4);
            }

            r.Missing("capdScore");
            return new DomainResult(Capd, DomainStatus.Missing, null);
        }

        if (input.CapdBaseline is int high && high >= 9)
        {
            // CAPD-BASELINE-HIGH: a child whose own baseline already reaches the grade-3 band.
            r.Flag(GradeFlags.BaselineLimited);
            if (s > high)
            {
                r.Rule("CAPD-BASELINE-HIGH", $"CAPD domain 3: CAPD {s} is above the recorded baseline {high} (9 or more)");
                return new DomainResult(Capd, DomainStatus.Graded, 3);
            }

            r.Rule("CAPD-BASELINE-HIGH", $"CAPD domain 0: CAPD {s} is not above the recorded baseline {high} (9 or more)");
            return new DomainResult(Capd, DomainStatus.Graded, 0, GradeFlags.BaselineLimited);
        }

        if (s >= 9)
        {
            r.Rule("CAPD-3", $"CAPD domain 3: CAPD {s} is 9 or more");
            return new DomainResult(Capd, DomainStatus.Graded, 3);
        }

        if (s == 0)
        {
            r.Rule("CAPD-LOW", "CAPD domain 0: CAPD 0");
            return new DomainResult(Capd, DomainStatus.Graded, 0);
        }

        if (input.CapdBaseline is not int baseline)
        {
            r.Rule("CAPD-LOW", $"CAPD domain 1: CAPD {s} with no recorded baseline, taken as a change (review)");
            r.Flag(GradeFlags.CapdBaselineMissing);
            r.Missing("capdBaseline");
            return new DomainResult(Capd, DomainStatus.Graded, 1);
        }

        if (s > baseline)
        {
            r.Rule("CAPD-LOW", $"CAPD domain 1: CAPD {s} is a change from the baseline {baseline}");
            return new DomainResult(Capd, DomainStatus.Graded, 1);
        }

        r.Rule("CAPD-LOW", $"CAPD domain 0: CAPD {s} is unchanged from the baseline {baseline}");
        return new DomainResult(Capd, DomainStatus.Graded, 0);
    }

    private static DomainResult ConsciousnessDomain(IcansInput input, bool sedated, bool useCapd, ResultBuilder r)
    {
        const string Name = "consciousness";
        if (sedated)
        {
            return new DomainResult(Name, DomainStatus.NotAssessable, null, NotGradableReasons.Sedated);
        }

        var level = input.Consciousness
            ?? (input.IceNotPossibleReason == IceNotPossibleReason.Unarousable ? Consciousness.Unarousable : null);
        if (level is not { } l)
        {
            r.Missing("consciousness");
            return new DomainResult(Name, DomainStatus.Missing, null);
        }

        var (grade, text) = l switch
        {
            Consciousness.Alert => (0, "alert"),
            Consciousness.AwakensSpontaneously => (1, "awakens spontaneously"),
            Consciousness.AwakensToVoice => (2, "awakens to voice"),
            Consciousness.AwakensToTactile => (3, "awakens only to tactile stimulus"),
            Consciousness.Unarousable => (4, "unarousable or needs vigorous or repetitive tactile stimuli"),
            _ => throw new ArgumentOutOfRangeException(nameof(input), l, "Unknown level of consciousness"),
        };
        r.Rule("ICANS-LOC", $"Consciousness domain {grade}: {text}{(useCapd && grade is 1 or 2 ? " (separates grade 1 from 2 with CAPD)" : string.Empty)}");
        return new DomainResult(Name, DomainStatus.Graded, grade);
    }

    private static DomainResult SeizureDomain(IcansInput input, bool useCapd, ResultBuilder r)
    {
        var seizure = input.Seizure ?? Seizure.None;
        var (grade, text) = seizure switch
        {
            Seizure.None => (0, input.Seizure is null ? "none recorded" : "none"),
            Seizure.RapidlyResolving => (3, "clinical seizure that resolved rapidly"),
            Seizure.NonconvulsiveResolvedWithIntervention => (3, "non-convulsive seizures on EEG resolved with intervention"),
            Seizure.ProlongedOver5Min => (4, "life-threatening prolonged seizure (over 5 min)"),
            Seizure.RepetitiveWithoutRecovery => (4, "repetitive seizures without return to baseline in between"),
            _ => throw new ArgumentOutOfRangeException(nameof(input), seizure, "Unknown seizure"),
        };
        if (grade > 0)
        {
            r.Rule(useCapd ? "CAPD-OTHER" : "ICANS-SEIZURE", $"Seizure domain {grade}: {text}");
        }

        return new DomainResult("seizure", DomainStatus.Graded, grade, input.Seizure is null ? "none-recorded" : null);
    }

    private static DomainResult MotorDomain(IcansInput input, bool useCapd, ResultBuilder r)
    {
        if (input.Motor == MotorFinding.DeepFocalWeakness)
        {
            r.Rule(useCapd ? "CAPD-OTHER" : "ICANS-MOTOR", "Motor domain 4: deep focal motor weakness (hemiparesis, paraparesis)");
            return new DomainResult("motor", DomainStatus.Graded, 4);
        }

        return new DomainResult("motor", DomainStatus.Graded, 0, input.Motor is null ? "none-recorded" : null);
    }

    private static DomainResult IcpDomain(IcansInput input, bool useCapd, ResultBuilder r)
    {
        var findings = (input.Icp ?? []).Where(f => f != IcpFinding.None).Distinct().ToList();
        if (findings.Count > 0 && input.ExcludedFindings.Contains(ExcludedFinding.IntracranialHaemorrhage))
        {
            // ICANS-EXCL (added): the haemorrhage itself is excluded; a raised-ICP sign recorded beside it keeps its grade
            // for a clinician to judge whether the haemorrhage explains it.
            r.Rule("ICANS-EXCL", $"{string.Join(", ", findings.Select(Vocabulary.Icp.Code))} recorded with intracranial haemorrhage: graded, the haemorrhage may explain it (review)");
            r.Flag(GradeFlags.EdemaWithHaemorrhage);
        }

        if (findings.Count == 0)
        {
            return new DomainResult("icp", DomainStatus.Graded, 0, input.Icp is null ? "none-recorded" : null);
        }

        var grade = findings.Max(f => f == IcpFinding.FocalEdema ? 3 : 4);
        r.Rule(useCapd ? "CAPD-OTHER" : "ICANS-ICP", $"Raised ICP / cerebral edema domain {grade}: {string.Join(", ", findings.Select(Vocabulary.Icp.Code))}");
        return new DomainResult("icp", DomainStatus.Graded, grade);
    }

    private static string Describe(DomainResult d) => d.Status switch
    {
        DomainStatus.Graded => $"{d.Domain} {d.Grade}",
        DomainStatus.NotAssessable => $"{d.Domain} not assessable",
        _ => $"{d.Domain} missing",
    };

    private static void RecordInputs(IcansInput input, ResultBuilder r)
    {
        if (input.AgeYears is { } age)
        {
            r.Input("ageYears", age.ToString(CultureInfo.InvariantCulture));
        }

        if (input.IceItems is { } items)
        {
            r.Input("iceItems", $"orientation {(items.OrientationYear ? 1 : 0) + (items.OrientationMonth ? 1 : 0) + (items.OrientationCity ? 1 : 0) + (items.OrientationHospital ? 1 : 0)}/4, naming {items.NamingCount}/3, commands {(items.FollowsCommands ? 1 : 0)}, writing {(items.WritesSentence ? 1 : 0)}, attention {(items.CountsBackwards ? 1 : 0)}: total {items.Total}/10");
        }
        else if (input.IceScore is { } ice)
        {
            r.Input("iceScore", $"{ice}/10");
        }

        void Word(string name, string? code)
        {
            if (code is not null)
            {
                r.Input(name, code);
            }
        }

        Word("iceNotPossibleReason", input.IceNotPossibleReason is { } n ? Vocabulary.IceNotPossibleReason.Code(n) : null);
        Word("baselineIceScore", input.BaselineIceScore?.ToString(CultureInfo.InvariantCulture));
        Word("consciousness", input.Consciousness is { } c ? Vocabulary.Consciousness.Code(c) : null);
        Word("sedated", input.Sedated ? "true" : null);
        Word("seizure", input.Seizure is { } s ? Vocabulary.Seizure.Code(s) : null);
        Word("motor", input.Motor is { } m ? Vocabulary.Motor.Code(m) : null);
        Word("icp", input.Icp is { Count: > 0 } icp ? string.Join(", ", icp.Select(Vocabulary.Icp.Code)) : null);
        Word("excludedFindings", input.ExcludedFindings.Count > 0 ? string.Join(", ", input.ExcludedFindings.Select(Vocabulary.ExcludedFinding.Code)) : null);
        Word("capdScore", (input.CapdItems?.Total ?? input.CapdScore)?.ToString(CultureInfo.InvariantCulture));
        Word("capdBaseline", input.CapdBaseline?.ToString(CultureInfo.InvariantCulture));
        Word("developmentalDelay", input.DevelopmentalDelay ? "true" : null);
    }
}
