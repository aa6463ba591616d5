using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// The research scores shown beside the biomarkers, labelled as such with <see cref="Notice"/> wherever a value is shown.
/// They were derived in other settings and are not validated for T-cell engagers: they never feed grading or alerts.
/// <list type="bullet">
/// <item>EASIX (Endothelial Activation and Stress Index) = LDH (U/L) × creatinine (mg/dL) / platelets (10^9/L):
/// Luft T, Benner A, Jodele S, et al. EASIX in patients with acute graft-versus-host disease: a retrospective cohort
/// analysis. Lancet Haematol. 2017;4(9):e414-e423.</item>
/// <item>m-EASIX (modified EASIX) = LDH (U/L) × CRP (mg/dL) / platelets (10^9/L): Pennisi M, Sanchez-Escamilla M,
/// Flynn JR, et al. Modified EASIX predicts severe cytokine release syndrome and neurotoxicity after chimeric antigen
/// receptor T cells. Blood Adv. 2021;5(17):3397-3406.</item>
/// </list>
/// </summary>
public static class ResearchScores
{
    /// <summary>The words beside every score value, wherever it is shown.</summary>
    public const string Notice = "research score, not validated for this drug; not for treatment decisions";

    private static readonly ScoreTerm Ldh = new(LabAnalytes.Ldh, "LDH", "U/L", 1, 1, Divisor: false);
    private static readonly ScoreTerm Creatinine = new(LabAnalytes.Creatinine, "creatinine", "mg/dL", 1, 1, Divisor: false);

    // CRP is kept in mg/L; m-EASIX takes it in mg/dL: mg/L ÷ 10, exactly.
    private static readonly ScoreTerm Crp = new(LabAnalytes.Crp, "CRP", "mg/dL", 1, 10, Divisor: false);
    private static readonly ScoreTerm Platelets = new(LabAnalytes.Platelets, "platelets", "10*9/L", 1, 1, Divisor: true);

    public static ScoreDefinition Easix { get; } = new(
        "easix",
        "EASIX",
        "EASIX (Luft et al., Lancet Haematol 2017)",
        "EASIX = LDH (U/L) × creatinine (mg/dL) ÷ platelets (10^9/L)",
        [Ldh, Creatinine, Platelets]);

    public static ScoreDefinition ModifiedEasix { get; } = new(
        "m-easix",
        "m-EASIX",
        "m-EASIX (Pennisi et al., Blood Adv 2021)",
        "m-EASIX = LDH (U/L) × CRP (mg/dL; mg/L ÷ 10) ÷ platelets (10^9/L)",
        [Ldh, Crp, Platelets]);

    public static IReadOnlyList<ScoreDefinition> All { get; } = [Easix, ModifiedEasix];
}
