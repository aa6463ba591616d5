namespace CrsMonitor.Grading.Icans;

/// <summary>Two answers of one neuro check that cannot both be true, by their field names (the calculator's and the Questionnaire's).</summary>
public sealed record Contradiction(string Field, string OtherField, string Text);

/// <summary>
/// ICANS-CONTRA: contradictory answers are refused at the edge (calculator 400, neuro check 422, naming both fields),
/// never graded: "ICE not possible: unarousable" with a level of consciousness other than <c>unarousable</c>; an ICE
/// score with <c>unarousable</c>; <c>sedated</c> together with "ICE not possible: unarousable".
/// </summary>
public static class IcansContradictions
{
    public static IReadOnlyList<Contradiction> Of(IcansInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var found = new List<Contradiction>();
        var notPossibleUnarousable = input.IceNotPossibleReason == IceNotPossibleReason.Unarousable;
        if (notPossibleUnarousable && input.Consciousness is { } level && level != Consciousness.Unarousable)
        {
            var word = Vocabulary.Consciousness.Code(level);
            found.Add(new Contradiction("iceNotPossibleReason", "consciousness",
                $"iceNotPossibleReason \"unarousable\" contradicts consciousness \"{word}\": record the level of consciousness the patient has, or consciousness \"unarousable\" (ICANS-CONTRA)"));
        }

        if (input.Consciousness == Consciousness.Unarousable && (input.IceScore is not null || input.IceItems is not null))
        {
            var ice = input.IceScore is not null ? "iceScore" : "orientationYear";
            found.Add(new Contradiction(ice, "consciousness",
                $"{(ice == "iceScore" ? "an ICE score (iceScore)" : "the ICE items")} cannot be recorded with consciousness \"unarousable\": an unarousable patient cannot perform ICE; record iceNotPossibleReason \"unarousable\" instead (ICANS-CONTRA)"));
        }

        if (input.Sedated && notPossibleUnarousable)
        {
            found.Add(new Contradiction("sedated", "iceNotPossibleReason",
                "sedated contradicts iceNotPossibleReason \"unarousable\" (which means not sedated): record iceNotPossibleReason \"sedated\", or not sedated (ICANS-CONTRA)"));
        }

        return found;
    }
}
