using CrsMonitor.Grading.Crs;
using CrsMonitor.Grading.Icans;
using NUnit.Framework;
using static CrsMonitor.Grading.Crs.VasoactiveAgent;
using static CrsMonitor.Grading.Tests.Given;

namespace CrsMonitor.Grading.Tests;

/// <summary>
/// Laws that hold for every input, checked over deterministic grids (nested loops, no randomness): more support
/// never lowers a grade, the domain maximum is the grade, every fired rule is a rule of grading-rules.md, and the
/// two temperature units agree. A failure lists the first offending inputs.
/// </summary>
[TestFixture]
public sealed class PropertyTests
{
    /// <summary>The rule ids of grading-rules.md (sections 1–3, and the rules section 6 adds; ICANS-CONTRA refuses input, it never fires).</summary>
    public static readonly IReadOnlySet<string> SpecRuleIds = new HashSet<string>
    {
        "CRS-FEVER", "CRS-GATE", "CRS-MASK", "CRS-PREMED", "CRS-MAX", "CRS-HYPO-DEF", "CRS-VASO", "CRS-O2",
        "CRS-ATTRIB", "CRS-ORGAN", "CRS-SPO2",
        "ICANS-MAX", "ICANS-ICE0", "ICANS-LOC", "ICANS-SEDATION", "ICANS-EXCL", "ICANS-BASELINE", "ICANS-AGE",
        "CAPD-3", "CAPD-LOW", "CAPD-4", "CAPD-OTHER",
        "ICANS-SCALE", "ICANS-MISSING", "CAPD-BASELINE-HIGH", "CRS-AFEBRILE", "CRS-HYPO-PED",
    };

    /// <summary>
    /// Ids for rows grading-rules.md states in its tables without naming an id: grade 5 (death), the ICE band,
    /// seizure, motor and ICP domain rows, and CAPD item scoring (section 3). Agreed with the lead; to be added to the spec.
    /// </summary>
    public static readonly IReadOnlySet<string> TableRowIds = new HashSet<string>
    {
        "CRS-DEATH", "ICANS-DEATH", "ICANS-ICE", "ICANS-SEIZURE", "ICANS-MOTOR", "ICANS-ICP", "CAPD-ITEMS",
    };

    private static readonly DateTimeOffset Now = At(10, 30);

    // ---------------------------------------------------------------- CRS grid dimensions

    private static readonly Temperature?[] Temperatures =
        [null, Celsius(36.8m), Celsius(37.9m), Fahrenheit(100.3m), Celsius(38.0m), Fahrenheit(100.4m), Celsius(39.5m)];

    private static readonly (string Name, Func<CrsInput, CrsInput> Apply)[] Clinical =
    [
        ("no CRS", i => i),
        ("CRS established, no fever therapy", i => i with { CrsEstablished = true }),
        ("fever therapy, no CRS established", i => i with { FeverTherapyGiven = true }),
        ("CRS established and treated", i => i with { CrsEstablished = true, FeverTherapyGiven = true }),
        ("steroid premedication", i => i with { SteroidPremedication = true }),
        ("fever attributed to another cause", i => i with { FeverAttributedToOtherCause = true }),
    ];

    private static readonly (string Name, Func<CrsInput, CrsInput> Apply)[] Circulation =
    [
        ("SBP 120", i => i with { SystolicBpMmHg = 120m }),
        ("SBP 85", i => i with { SystolicBpMmHg = 85m }),
        ("SBP 95 after a fluid bolus", i => i with { SystolicBpMmHg = 95m, FluidBolusForHypotension = true }),
        ("norepinephrine", i => i with { Vasoactives = [new(Norepinephrine, At(8))] }),
        ("norepinephrine + phenylephrine", i => i with { Vasoactives = [new(Norepinephrine, At(8)), new(Phenylephrine, At(9))] }),
        ("vasopressin alone", i => i with { Vasoactives = [new(Vasopressin, At(8))] }),
        ("dobutamine, SBP 120", i => i with { SystolicBpMmHg = 120m, Vasoactives = [new(Dobutamine, At(8))] }),
    ];

    /// <summary>Oxygen support with its device class: room air 0, blow-by 1, cannula 2, high-flow cannula 3, masks 4, CPAP/BiPAP 5, ventilation 6.</summary>
    private static readonly (int Class, OxygenSupport Support)[] OxygenLadder =
    [
        (0, RoomAir),
        (1, Device(OxygenDevice.BlowBy)),
        (2, Cannula(1m)), (2, Cannula(2m)), (2, Cannula(4m)), (2, Cannula(6m)), (2, Cannula(6.1m)), (2, Cannula(8m)), (2, Cannula(15m)),
        (3, HighFlow(2m)), (3, HighFlow(6m)), (3, HighFlow(6.1m)), (3, HighFlow(30m)), (3, HighFlow(60m)),
        (4, Device(OxygenDevice.SimpleFaceMask, 5m)), (4, Device(OxygenDevice.SimpleFaceMask, 10m)),
        (4, Device(OxygenDevice.NonRebreather, 15m)), (4, Device(OxygenDevice.VenturiMask)),
        (5, Device(OxygenDevice.Cpap)), (5, Device(OxygenDevice.Bipap)),
        (6, Device(OxygenDevice.MechanicalVentilation)),
    ];

    private static readonly VasoactiveAgent[] Counted = [Norepinephrine, Epinephrine, Phenylephrine, Dopamine, AngiotensinII, Metaraminol];

    /// <summary>
    /// Orders CRS results for "never lowers": a grade is itself; not-gradable for suspected masked fever is reached
    /// only with an axis of at least 2, so it ranks 2; any other not-gradable (missing temperature) ranks -1.
    /// </summary>
    private static int CrsSeverity(GradeResult r) =>
        r.Status == GradeStatus.Graded ? r.Grade!.Value : r.Reason == NotGradableReasons.SuspectedMaskedFever ? 2 : -1;

    /// <summary>ICANS results for "never lowers": a grade is itself; not-gradable ranks below grade 0.</summary>
    private static int IcansSeverity(GradeResult r) => r.Status == GradeStatus.Graded ? r.Grade!.Value : -1;

    private static IEnumerable<(string What, CrsInput Input)> CrsContexts()
    {
        foreach (var t in Temperatures)
        {
            foreach (var (clinical, applyClinical) in Clinical)
            {
                foreach (var (circulation, applyCirculation) in Circulation)
                {
                    var input = applyCirculation(applyClinical(new CrsInput { Temperature = t, AssessedAt = Now, Oxygen = RoomAir }));
                    yield return ($"T {t?.ToString() ?? "missing"}, {clinical}, {circulation}", input);
                }
            }
        }
    }

    /// <summary>Same device at a flow not lower, or a higher device class at a flow not lower (where both have one).</summary>
    private static bool MoreSupport((int Class, OxygenSupport O) more, (int Class, OxygenSupport O) less)
    {
        var flowNotLower = more.O.FlowLitresPerMinute is not { } m || less.O.FlowLitresPerMinute is not { } l || m >= l;
        return (more.O.Device == less.O.Device || more.Class > less.Class) && flowNotLower;
    }

    // ---------------------------------------------------------------- CRS laws

    [Test]
    public void Crs_MoreOxygenSupportNeverLowersTheGrade()
    {
        var violations = new Violations();
        foreach (var (what, context) in CrsContexts())
        {
            var results = OxygenLadder.Select(o => Grade(context with { Oxygen = o.Support })).ToArray();
            for (var a = 0; a < OxygenLadder.Length; a++)
            {
                for (var b = 0; b < OxygenLadder.Length; b++)
                {
                    if (a != b && MoreSupport(OxygenLadder[b], OxygenLadder[a]) && CrsSeverity(results[b]) < CrsSeverity(results[a]))
                    {
                        violations.Add($"{what}: {Show(OxygenLadder[a].Support)} -> {Show(results[a])}, but more support {Show(OxygenLadder[b].Support)} -> {Show(results[b])}");
                    }
                }
            }
        }

        violations.AssertNone();
    }

    [Test]
    public void Crs_AddingACountedVasopressorNeverLowersTheGrade_AndTheHypotensionAxisFollowsTheCountingLaw()
    {
        VasoactiveAgent[] all = Enum.GetValues<VasoactiveAgent>();
        Temperature?[] temperatures = [null, Celsius(36.8m), Celsius(38.5m)];
        OxygenSupport[] oxygen = [RoomAir, Cannula(2m)];
        VasoactiveInfusion[][] history = [[], [new(Norepinephrine, At(6), At(9))]];
        var violations = new Violations();
        foreach (var t in temperatures)
        {
            foreach (var (clinical, applyClinical) in Clinical)
            {
                foreach (var o in oxygen)
                {
                    foreach (var stopped in history)
                    {
                        var context = applyClinical(new CrsInput { Temperature = t, SystolicBpMmHg = 120m, Oxygen = o, AssessedAt = Now });
                        var results = new GradeResult[1 << all.Length];
                        for (var mask = 0; mask < results.Length; mask++)
                        {
                            var running = all.Where((_, i) => (mask & (1 << i)) != 0).ToList();
                            var r = results[mask] = Grade(context with
                            {
                                Vasoactives = [.. stopped, .. running.Select((agent, i) => new VasoactiveInfusion(agent, At(7, i)))],
                            });
                            var what = $"T {t?.ToString() ?? "missing"}, {clinical}, {Show(o)}, {(stopped.Length > 0 ? "norepinephrine stopped 09:00, " : string.Empty)}running [{string.Join(", ", running)}]";
                            CheckCountingLaw(r, running, what, violations);
                        }

                        for (var mask = 0; mask < results.Length; mask++)
                        {
                            for (var i = 0; i < all.Length; i++)
                            {
                                var more = mask | (1 << i);
                                if (more != mask && Counted.Contains(all[i]) && CrsSeverity(results[more]) < CrsSeverity(results[mask]))
                                {
                                    violations.Add($"T {t?.ToString() ?? "missing"}, {clinical}, {Show(o)}: adding {all[i]} lowered {Show(results[mask])} to {Show(results[more])}");
                                }
                            }
                        }
                    }
                }
            }
        }

        violations.AssertNone();
    }

    /// <summary>
    /// CRS-VASO and CRS-HYPO-DEF for any set of running agents (SBP 120, so only the agents and history matter). An agent
    /// whose recorded end is at or before the assessment is not running and counts for nothing (CRS-VASO, added).
    /// </summary>
    private static void CheckCountingLaw(GradeResult r, List<VasoactiveAgent> running, string what, Violations violations)
    {
        var counted = running.Count(Counted.Contains);
        var vasopressin = running.Contains(Vasopressin);
        var expectedAxis = counted >= 2 ? 4 : counted == 1 || vasopressin ? 3 : 0;
        var axis = r.Domains.FirstOrDefault(d => d.Domain == "hypotension")?.Grade;
        if (axis != expectedAxis)
        {
            violations.Add($"{what}: hypotension axis {axis?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected {expectedAxis}");
        }

        var monotherapy = vasopressin && counted == 0;
        if (r.Flags.Contains(GradeFlags.VasopressinMonotherapy) != monotherapy)
        {
            violations.Add($"{what}: vasopressin-monotherapy flag {(monotherapy ? "missing" : "unexpected")}");
        }
    }

    [Test]
    public void Crs_RaisingTheTemperatureNeverLowersTheGrade()
    {
        decimal[] celsius = [.. Enumerable.Range(350, 61).Select(i => i / 10m)];
        decimal[] fahrenheit = [.. Enumerable.Range(950, 111).Select(i => i / 10m)];
        OxygenSupport[] oxygen = [RoomAir, Cannula(2m), Device(OxygenDevice.SimpleFaceMask, 5m), Device(OxygenDevice.Cpap)];
        var violations = new Violations();
        foreach (var (clinical, applyClinical) in Clinical)
        {
            foreach (var (circulation, applyCirculation) in Circulation)
            {
                foreach (var o in oxygen)
                {
                    var context = applyCirculation(applyClinical(new CrsInput { Oxygen = o, AssessedAt = Now }));
                    foreach (var ladder in new[] { celsius.Select(Celsius), fahrenheit.Select(Fahrenheit) })
                    {
                        (Temperature T, GradeResult R)? previous = null;
                        foreach (var t in ladder)
                        {
                            var r = Grade(context with { Temperature = t });
                            if (previous is { } p && CrsSeverity(r) < CrsSeverity(p.R))
                            {
                                violations.Add($"{clinical}, {circulation}, {Show(o)}: {p.T} -> {Show(p.R)} but {t} -> {Show(r)}");
                            }

                            previous = (t, r);
                        }
                    }
                }
            }
        }

        violations.AssertNone();
    }

    [Test]
    public void Crs_FahrenheitAndCelsiusAgreeOnFever_ConvertedExactly()
    {
        var violations = new Violations();
        CrsInput[] contexts =
        [
            Febrile(),
            AfebrileNormal() with { SteroidPremedication = true, Oxygen = Cannula(2m) },
            AfebrileNormal() with { CrsEstablished = true, FeverTherapyGiven = true },
        ];
        for (var hundredths = 3500; hundredths <= 4100; hundredths++)
        {
            var c = hundredths / 100m;
            var f = (c * 9m / 5m) + 32m;
            if (Fahrenheit(f).Celsius != c)
            {
                violations.Add($"{f} °F converts to {Fahrenheit(f).Celsius} °C, not exactly {c} °C");
            }

            if (Fahrenheit(f).IsFever != Celsius(c).IsFever || Celsius(c).IsFever != (c >= 38.0m))
            {
                violations.Add($"{c} °C (fever {Celsius(c).IsFever}) and {f} °F (fever {Fahrenheit(f).IsFever}) disagree");
            }

            foreach (var context in contexts)
            {
                var rc = Grade(context with { Temperature = Celsius(c) });
                var rf = Grade(context with { Temperature = Fahrenheit(f) });
                if (rc.Status != rf.Status || rc.Grade != rf.Grade || rc.Reason != rf.Reason)
                {
                    violations.Add($"{c} °C -> {Show(rc)} but {f} °F -> {Show(rf)}");
                }
            }
        }

        for (var thousandths = 95000; thousandths <= 106000; thousandths++)
        {
            var f = thousandths / 1000m;
            if (Fahrenheit(f).IsFever != (f >= 100.4m))
            {
                violations.Add($"{f} °F: fever {Fahrenheit(f).IsFever}, expected {f >= 100.4m}");
            }
        }

        violations.AssertNone();
    }

    // ---------------------------------------------------------------- ICANS grids

    /// <summary>ICE from missing, through 10 down to 0, to "not possible, unarousable": each step is worse.</summary>
    private static readonly Func<IcansInput, IcansInput>[] IceLadder =
    [
        i => i,
        .. Enumerable.Range(0, 11).Reverse().Select(ice => (Func<IcansInput, IcansInput>)(i => i with { IceScore = ice })),
        i => i with { IceNotPossibleReason = IceNotPossibleReason.Unarousable },
    ];

    private static readonly Consciousness?[] ConsciousnessLadder =
        [null, Consciousness.Alert, Consciousness.AwakensSpontaneously, Consciousness.AwakensToVoice, Consciousness.AwakensToTactile, Consciousness.Unarousable];

    private static readonly Seizure?[] SeizureLadder =
        [null, Seizure.None, Seizure.RapidlyResolving, Seizure.NonconvulsiveResolvedWithIntervention, Seizure.ProlongedOver5Min, Seizure.RepetitiveWithoutRecovery];

    private static readonly MotorFinding?[] MotorLadder = [null, MotorFinding.None, MotorFinding.DeepFocalWeakness];

    /// <summary>ICP finding sets; "more" is a strict superset (null is the empty set, not recorded).</summary>
    private static readonly IcpFinding[]?[] IcpSets =
    [
        null, [], [IcpFinding.FocalEdema], [IcpFinding.DiffuseEdema], [IcpFinding.Papilledema], [IcpFinding.CushingTriad],
        [IcpFinding.FocalEdema, IcpFinding.Papilledema], [IcpFinding.FocalEdema, IcpFinding.DiffuseEdema],
    ];

    /// <summary>CAPD from missing, then rising (each step is worse).</summary>
    private static readonly int?[] CapdLadder = [null, 0, 1, 4, 8, 9, 20, 32];

    private sealed record AdultPoint(int Ice, int Loc, int Seizure, int Motor, int Icp, bool Sedated, bool Baseline8, bool Haemorrhage);

    private sealed record ChildPoint(int Capd, int? Baseline, int Loc, int Seizure, int Motor, int Icp, bool Sedated);

    private static IcansInput Build(AdultPoint p) => IceLadder[p.Ice](new IcansInput
    {
        AgeYears = 45,
        Consciousness = ConsciousnessLadder[p.Loc],
        Seizure = SeizureLadder[p.Seizure],
        Motor = MotorLadder[p.Motor],
        Icp = IcpSets[p.Icp],
        Sedated = p.Sedated,
        BaselineIceScore = p.Baseline8 ? 8 : null,
        ExcludedFindings = p.Haemorrhage ? [ExcludedFinding.IntracranialHaemorrhage] : [],
    });

    private static IcansInput Build(ChildPoint p) => new()
    {
        AgeYears = 7,
        CapdScore = CapdLadder[p.Capd],
        CapdBaseline = p.Baseline,
        Consciousness = ConsciousnessLadder[p.Loc],
        Seizure = SeizureLadder[p.Seizure],
        Motor = MotorLadder[p.Motor],
        Icp = IcpSets[p.Icp],
        Sedated = p.Sedated,
    };

    /// <summary>The grids are pure functions of constants: computed once, shared by the laws that read them.</summary>
    private static readonly Lazy<Dictionary<AdultPoint, GradeResult>> Adults = new(AdultGrid);
    private static readonly Lazy<Dictionary<ChildPoint, GradeResult>> Children = new(ChildGrid);

    private static Dictionary<AdultPoint, GradeResult> AdultGrid()
    {
        var grid = new Dictionary<AdultPoint, GradeResult>();
        foreach (var ice in Enumerable.Range(0, IceLadder.Length))
        {
            foreach (var loc in Enumerable.Range(0, ConsciousnessLadder.Length))
            {
                foreach (var seizure in Enumerable.Range(0, SeizureLadder.Length))
                {
                    foreach (var motor in Enumerable.Range(0, MotorLadder.Length))
                    {
                        foreach (var icp in Enumerable.Range(0, IcpSets.Length))
                        {
                            foreach (var (sedated, baseline, haemorrhage) in Flags3())
                            {
                                var p = new AdultPoint(ice, loc, seizure, motor, icp, sedated, baseline, haemorrhage);
                                grid[p] = Grade(Build(p));
                            }
                        }
                    }
                }
            }
        }

        return grid;
    }

    private static Dictionary<ChildPoint, GradeResult> ChildGrid()
    {
        var grid = new Dictionary<ChildPoint, GradeResult>();
        int?[] baselines = [null, 0, 4];
        foreach (var capd in Enumerable.Range(0, CapdLadder.Length))
        {
            foreach (var baseline in baselines)
            {
                foreach (var loc in Enumerable.Range(0, ConsciousnessLadder.Length))
                {
                    foreach (var seizure in Enumerable.Range(0, SeizureLadder.Length))
                    {
                        foreach (var motor in Enumerable.Range(0, MotorLadder.Length))
                        {
                            foreach (var icp in Enumerable.Range(0, 4))
                            {
                                foreach (var sedated in new[] { false, true })
                                {
                                    var p = new ChildPoint(capd, baseline, loc, seizure, motor, icp, sedated);
                                    grid[p] = Grade(Build(p));
                                }
                            }
                        }
                    }
                }
            }
        }

        return grid;
    }

    private static IEnumerable<(bool, bool, bool)> Flags3() =>
        from a in new[] { false, true } from b in new[] { false, true } from c in new[] { false, true } select (a, b, c);

    private static bool IsStrictSuperset(IcpFinding[]? more, IcpFinding[]? less) =>
        (more ?? []).ToHashSet().IsProperSupersetOf(less ?? []);

    // ---------------------------------------------------------------- ICANS laws

    [Test]
    public void Icans_AddingAPositiveDomainNeverLowersTheGrade_Adults()
    {
        var grid = Adults.Value;
        var violations = new Violations();
        foreach (var (p, r) in grid)
        {
            List<(string Change, AdultPoint Worse)> worse = [];
            if (p.Ice + 1 < IceLadder.Length)
            {
                worse.Add(("lower ICE", p with { Ice = p.Ice + 1 }));
            }

            if (p.Loc + 1 < ConsciousnessLadder.Length)
            {
                worse.Add(("worse consciousness", p with { Loc = p.Loc + 1 }));
            }

            if (p.Seizure + 1 < SeizureLadder.Length)
            {
                worse.Add(("worse seizure", p with { Seizure = p.Seizure + 1 }));
            }

            if (p.Motor + 1 < MotorLadder.Length)
            {
                worse.Add(("motor finding", p with { Motor = p.Motor + 1 }));
            }

            worse.AddRange(Enumerable.Range(0, IcpSets.Length)
                .Where(j => IsStrictSuperset(IcpSets[j], IcpSets[p.Icp]))
                .Select(j => ("more ICP findings", p with { Icp = j })));

            foreach (var (change, q) in worse)
            {
                if (IcansSeverity(grid[q]) < IcansSeverity(r))
                {
                    violations.Add($"{Describe(Build(p))} -> {Show(r)}; {change}: {Describe(Build(q))} -> {Show(grid[q])}");
                }
            }
        }

        violations.AssertNone();
    }

    [Test]
    public void Icans_AddingAPositiveDomainNeverLowersTheGrade_ChildrenOnCapd()
    {
        var grid = Children.Value;
        var violations = new Violations();
        foreach (var (p, r) in grid)
        {
            List<(string Change, ChildPoint Worse)> worse = [];
            if (p.Capd + 1 < CapdLadder.Length)
            {
                worse.Add(("higher CAPD", p with { Capd = p.Capd + 1 }));
            }

            if (p.Loc + 1 < ConsciousnessLadder.Length)
            {
                worse.Add(("worse consciousness", p with { Loc = p.Loc + 1 }));
            }

            if (p.Seizure + 1 < SeizureLadder.Length)
            {
                worse.Add(("worse seizure", p with { Seizure = p.Seizure + 1 }));
            }

            if (p.Motor + 1 < MotorLadder.Length)
            {
                worse.Add(("motor finding", p with { Motor = p.Motor + 1 }));
            }

            worse.AddRange(Enumerable.Range(0, 4)
                .Where(j => IsStrictSuperset(IcpSets[j], IcpSets[p.Icp]))
                .Select(j => ("more ICP findings", p with { Icp = j })));

            foreach (var (change, q) in worse)
            {
                if (IcansSeverity(grid[q]) < IcansSeverity(r))
                {
                    violations.Add($"{Describe(Build(p))} -> {Show(r)}; {change}: {Describe(Build(q))} -> {Show(grid[q])}");
                }
            }
        }

        violations.AssertNone();
    }

    [Test]
    public void Icans_GradedResultIsTheMaximumOfItsGradedDomains_AndSedationIsNeverScored()
    {
        var violations = new Violations();
        var inputs = Adults.Value.Select(kv => (Build(kv.Key), kv.Value))
            .Concat(Children.Value.Select(kv => (Build(kv.Key), kv.Value)));
        foreach (var (input, r) in inputs)
        {
            var graded = r.Domains.Where(d => d.Status == DomainStatus.Graded).Select(d => d.Grade ?? -1).ToList();
            if (r.Status == GradeStatus.Graded && r.Grade != (graded.Count == 0 ? 0 : graded.Max()))
            {
                violations.Add($"{Describe(input)} -> {Show(r)} is not the maximum of its graded domains");
            }

            var sedated = input.Sedated || input.IceNotPossibleReason == IceNotPossibleReason.Sedated;
            var scored = r.Domains.Where(d => d.Domain is "ice" or "capd" or "consciousness" && d.Status != DomainStatus.NotAssessable);
            if (sedated && scored.Any())
            {
                violations.Add($"{Describe(input)} -> {Show(r)}: sedated, but {string.Join(", ", scored.Select(d => d.Domain))} assessed");
            }

            if (!sedated && r.Flags.Contains(GradeFlags.Sedated))
            {
                violations.Add($"{Describe(input)} -> {Show(r)}: flag sedated without sedation");
            }

            if (sedated && r.Status == GradeStatus.Graded && !r.Flags.Contains(GradeFlags.Sedated))
            {
                violations.Add($"{Describe(input)} -> {Show(r)}: graded while sedated without flag sedated");
            }
        }

        violations.AssertNone();
    }

    // ---------------------------------------------------------------- rule ids and the result contract

    [Test]
    public void EveryResultNamesAstct2019AndFiresOnlyRulesOfGradingRules()
    {
        var allowed = SpecRuleIds.Union(TableRowIds).ToHashSet();
        var violations = new Violations();
        foreach (var (what, r) in EveryGridResult())
        {
            if (r.System != "ASTCT-2019" || r.Rules.Count == 0)
            {
                violations.Add($"{what}: system {r.System}, {r.Rules.Count} rules");
            }

            foreach (var rule in r.Rules.Where(x => !allowed.Contains(x.Id)))
            {
                violations.Add($"{what}: rule id {rule.Id} is not in grading-rules.md ({rule.Text})");
            }
        }

        violations.AssertNone();
    }

    [Test]
    public void EveryRuleIdOfGradingRulesFiresForSomeInput()
    {
        var fired = EveryGridResult().SelectMany(x => x.Result.Rules).Select(x => x.Id).ToHashSet();
        Assert.That(fired, Is.SupersetOf(SpecRuleIds.Union(TableRowIds)));
    }

    private static IEnumerable<(string What, GradeResult Result)> EveryGridResult()
    {
        foreach (var (what, context) in CrsContexts())
        {
            foreach (var (_, o) in OxygenLadder)
            {
                yield return ($"{what}, {Show(o)}", Grade(context with { Oxygen = o }));
            }
        }

        CrsInput[] extra =
        [
            Febrile() with { OrganToxicities = ["creatinine increased grade 3"] },
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.RoomAir, RoomAirSpo2Percent: 85m) },
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, AtBaseline: true) },
            Febrile() with { Oxygen = new OxygenSupport(OxygenDevice.NasalCannula, 2m, ForComfort: true, RoomAirSpo2Percent: 97m) },
            Febrile() with { HypotensionAttributedToOtherCause = true, SystolicBpMmHg = 80m },
            Febrile() with { HypoxiaAttributedToOtherCause = true, Oxygen = Cannula(3m) },
            new CrsInput { DeathAttributedToCrs = true },
        ];
        foreach (var input in extra)
        {
            yield return ("CRS extra case", Grade(input));
        }

        foreach (var (p, r) in Adults.Value)
        {
            yield return (Describe(Build(p)), r);
        }

        foreach (var (p, r) in Children.Value)
        {
            yield return (Describe(Build(p)), r);
        }

        IcansInput[] icansExtra =
        [
            AdultIce(10) with { ExcludedFindings = [ExcludedFinding.Tremor] },
            AdultIce(10) with { DeathAttributedToIcans = true },
            new IcansInput
            {
                AgeYears = 7,
                CapdBaseline = 0,
                Consciousness = Consciousness.Alert,
                CapdItems = new(CapdFrequency.Always, CapdFrequency.Always, CapdFrequency.Always, CapdFrequency.Always,
                    CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never, CapdFrequency.Never),
            },
            new IcansInput { AgeYears = 12, IceScore = 10, Consciousness = Consciousness.Alert },
            new IcansInput { AgeYears = 10, IceScore = 2, Consciousness = Consciousness.Alert },
            new IcansInput { AgeYears = 45, Consciousness = Consciousness.Alert },
            new IcansInput { AgeYears = 7, CapdScore = 12, CapdBaseline = 12, Consciousness = Consciousness.Alert },
        ];
        foreach (var input in icansExtra)
        {
            yield return (Describe(input), Grade(input));
        }
    }

    // ---------------------------------------------------------------- reporting

    private static string Show(GradeResult r) =>
        r.Status == GradeStatus.Graded ? $"grade {r.Grade}" : $"not-gradable ({r.Reason})";

    private static string Show(OxygenSupport o) =>
        $"{Vocabulary.OxygenDevice.Code(o.Device)}{(o.FlowLitresPerMinute is { } f ? $" {f} L/min" : string.Empty)}";

    private static string Describe(IcansInput i) =>
        $"age {i.AgeYears}, ICE {(i.IceNotPossibleReason is { } n ? $"not possible ({n})" : i.IceScore?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-")}"
        + $", CAPD {i.CapdScore?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} (baseline {i.CapdBaseline?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"})"
        + $", consciousness {i.Consciousness?.ToString() ?? "-"}, seizure {i.Seizure?.ToString() ?? "-"}, motor {i.Motor?.ToString() ?? "-"}"
        + $", icp [{(i.Icp is null ? "-" : string.Join(" ", i.Icp))}]{(i.Sedated ? ", sedated" : string.Empty)}"
        + $"{(i.BaselineIceScore is { } b ? $", baseline ICE {b}" : string.Empty)}{(i.ExcludedFindings.Count > 0 ? ", haemorrhage" : string.Empty)}";

    /// <summary>Collects law violations and reports the first few with a total.</summary>
    private sealed class Violations
    {
        private const int Shown = 20;
        private readonly List<string> first = [];
        private int count;

        public void Add(string violation)
        {
            count++;
            if (first.Count < Shown)
            {
                first.Add(violation);
            }
        }

        public void AssertNone() =>
            Assert.That(first, Is.Empty, $"{count} violation(s); the first {first.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, first)}");
    }
}
