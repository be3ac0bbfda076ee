namespace PveTokens.Tests.Infrastructure;

/// <summary>The rule itself must be able to fail: a check that finds nothing proves nothing.</summary>
public sealed class MessageRulesTests
{
    [Theory]
    [InlineData("There is no PVE session: run Connect-PveServer first, or pass one with -Session. Run Connect-PveServer first.", "run connect-pveserver first")]
    [InlineData("Check the server name. It failed. Check the server name.", "check the server name")]
    [InlineData("Could not connect. Check the server name and port.  check the server name and port!", "check the server name and port")]
    [InlineData("The server name 'x.invalid' could not be resolved. Check its spelling, or use its IP address. Check the server name, or use its IP address.",
        "check the server name, or use its ip address")]
    [InlineData("Could not connect to h:1: the connection was refused. Check the server name and port (PVE listens on 8006) and that pveproxy is running. Check the server name and port (h:1); PVE's API listens on 8006.",
        "check the server name and port (h:1); pve's api listens on 8006")]
    [InlineData("The API token 'a@pve!b' has no secret after '=': write it as USER@REALM!TOKENID=SECRET. Copy the token as USER@REALM!TOKENID=SECRET, e.g. root@pam!automation=<the secret shown when the token was created>.", null)]
    [InlineData("Write it as USER@REALM!TOKENID=SECRET, e.g. root@pam!a=<secret>. Then connect.", null)]
    public void Finds_a_sentence_said_twice(string message, string? repeated) =>
        Assert.Equal(repeated, MessageRules.RepeatedSentence(message));
}
