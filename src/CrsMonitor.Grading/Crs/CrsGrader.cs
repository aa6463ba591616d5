namespace CrsMonitor.Grading.Crs;

public static class CrsGrader
{
    public static GradeResult Grade(CrsInput input, GradingSettings settings) => throw new NotImplementedException();
}
