namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// One input of a research score: the analyte it reads (a <see cref="Readings.LabAnalytes"/> key, whose readings are in
/// the canonical unit), its name in the formula, the unit the formula takes it in, the exact factor from the canonical
/// unit to that unit (CRP: mg/L → mg/dL is 1/10), and whether the score divides by it.
/// </summary>
public sealed record ScoreTerm(string Analyte, string Name, string Unit, decimal FromCanonicalMultiply, decimal FromCanonicalDivide, bool Divisor)
{
    /// <summary>The canonical value in the formula's unit, in exact decimal arithmetic.</summary>
    public decimal InFormulaUnit(decimal canonical) => canonical * FromCanonicalMultiply / FromCanonicalDivide;
}
