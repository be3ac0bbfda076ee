namespace PveTokens.Tests.Infrastructure;

/// <summary>The rule itself must be able to fail: a check that finds nothing proves nothing.</summary>
public sealed class MessageRulesTests
{
    [Theory]
    [InlineData("There is no PVE session: run Connect-PveServer first, or pass one with -Session. Run Connect-PveServer first.", "run connect-pveserver first")]
    [InlineData("Check the server name. It failed. Check the server name.", "check the server name")]
    [InlineData("Could not connect. Check the server name and port.  check the server name and port!", "check the server name and port")]
    [InlineData("Write it as USER@REALM!TOKENID=SECRET, e.g. root@pam!a=<secret>. Then connect.", null)]
    public void Finds_a_sentence_said_twice(string message, string? repeated) =>
        Assert.Equal(repeated, MessageRules.RepeatedSentence(message));
}
