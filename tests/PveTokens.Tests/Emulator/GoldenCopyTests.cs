namespace PveTokens.Tests.Emulator;

/// <summary>The in-repo corpus must stay the recorded one: a plain clone has no ../shared to fall back on.</summary>
public sealed class GoldenCopyTests
{
    private static readonly string[] CorpusFiles = ["README.md", "pve-9.2.jsonl", "pve-8.4.jsonl", "permissions-9.2.json"];

    /// <summary>
    /// Compares with the shared original when it exists next to the repository
    /// (../shared/pve/golden); in a plain clone it only asserts that the copy exists and parses.
    /// </summary>
    [Fact]
    public void InRepoCopyParsesAndIsByteIdenticalToSharedOriginalWhenPresent()
    {
        foreach (string file in CorpusFiles)
        {
            Assert.True(File.Exists(Path.Combine(GoldenReplay.GoldenDirectory, file)), $"missing TestData/golden/{file}");
        }
        Assert.NotEmpty(GoldenReplay.Load("pve-9.2.jsonl"));
        Assert.NotEmpty(GoldenReplay.Load("pve-8.4.jsonl"));

        string? shared = SharedGoldenDirectory();
        if (shared is null)
        {
            return;
        }
        string repoCopy = Path.Combine(RepositoryRoot()!, "tests", "PveTokens.Tests", "TestData", "golden");
        foreach (string file in CorpusFiles)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(shared, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(repoCopy, file))),
                        $"tests/PveTokens.Tests/TestData/golden/{file} differs from {Path.Combine(shared, file)}");
        }
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PveTokens.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    private static string? SharedGoldenDirectory()
    {
        string? root = RepositoryRoot();
        string? candidate = root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "pve", "golden"));
        return candidate is not null && Directory.Exists(candidate) ? candidate : null;
    }
}
