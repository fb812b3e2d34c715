# %% [markdown]
# # 10 · Normalização em lote e *dropout*
#
# Duas camadas aparecem em muitas CNNs e não aprendem a reconhecer nada: a normalização em lote
# (*batch normalization*; daqui em diante, BN, a sigla do nome em inglês) e o *dropout*. A
# primeira deixa o treino mais rápido e estável; a segunda combate o sobreajuste
# (*overfitting*). As duas se comportam de um jeito no treino e de outro na inferência, e é aí
# que mora a maioria dos erros de quem as usa.
#
# Você vai aprender a:
#
# - calcular a normalização em lote à mão, com NumPy: média e variância do lote por canal,
#   $\gamma$, $\beta$, $\varepsilon$, e conferir com o Keras, número a número;
# - entender as estatísticas móveis e a diferença entre o modo de treino e o de inferência;
# - contar os parâmetros que a BN acrescenta a uma rede (e os que ela dispensa);
# - explicar o *dropout* com a analogia do time de futebol, escolher a taxa e conferir a
#   escala $1/(1-\text{taxa})$ do *dropout* invertido do Keras;
# - medir, numa ablação no CIFAR-10, o que cada técnica faz com a acurácia de treino, a de
#   validação e o tempo;
# - treinar por mais tempo a melhor variante, avaliá-la no teste e salvá-la.

# %%
import tempfile
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course_utils import config, fmt, regularization
from course_utils.checks import ____
from course_utils.datasets import CIFAR10_CLASSES, load_cifar10
from course_utils.exercises.lesson10 import (
    ABLATION_EPOCHS,
    BATCH_SIZE,
    DROPOUT_RATE,
    FAST_FILTERS,
    FINAL_EPOCHS,
    FINAL_PATIENCE,
    FULL_FILTERS,
    VAL_FRACTION,
    VARIANTS,
    bn_parameter_count,
    build_variant,
    ex1,
    ex2,
    ex3,
    ex4,
    step_problem,
)
from course_utils.lessons import SEED, reference_split
from course_utils.models import build_vgg_style
from course_utils.pipelines import make_dataset
from course_utils.plots import plot_history, show_images, show_normalization_axes
from course_utils.progress import LiveTraining
from course_utils.summary import summary_by_block

config.set_seed(SEED)
pd.set_option("display.float_format", fmt.num)  # tabelas com vírgula decimal
print(config.fast_mode_line())
print(config.accelerator_line(10))

# %% [markdown]
# ## O problema: cada canal com sua escala
#
# O relatório do bootcamp LAMIA (veja as Fontes no fim) lembra que normalizar os dados antes do
# treino é básico: dividimos os pixels por 255 e todos ficam entre 0 e 1. Só que essa
# normalização vale para a **entrada** da rede. Depois da primeira convolução, cada canal do
# mapa de características tem sua própria média e sua própria escala, que dependem dos pesos
# daquele filtro, e elas mudam a cada passo do treino.
#
# Vamos ver isso num lote de verdade: 64 imagens do CIFAR-10 passando por uma convolução com
# 8 filtros 3×3, ainda sem treino (pesos sorteados pela inicialização padrão do Keras).

# %%
(x_train, y_train), (x_test, y_test) = load_cifar10()
batch = x_train[:64].astype("float32") / 255.0
conv = keras.layers.Conv2D(8, 3, padding="same")
activations = keras.ops.convert_to_numpy(conv(batch))
print("lote:", batch.shape, "→ ativações:", activations.shape)

# %%
channel_stats = pd.DataFrame(
    {"média": activations.mean(axis=(0, 1, 2)), "desvio padrão": activations.std(axis=(0, 1, 2))},
    index=pd.RangeIndex(activations.shape[-1], name="canal"),
)
channel_stats.round(3)

# %%
means, stds = channel_stats["média"], channel_stats["desvio padrão"]
print(f"médias de {fmt.num(means.min(), 3)} a {fmt.num(means.max(), 3)}; o maior desvio "
      f"padrão é {fmt.num(stds.max() / stds.min(), 1)} vezes o menor")

# %% [markdown]
# A tabela e a linha acima mostram o que a aula descreve: a entrada estava entre 0 e 1, mas
# cada canal de saída tem centro e largura próprios. A próxima camada recebe esses números
# misturados, e cada mudança nos pesos desta camada muda a distribuição que a próxima vê.
#
# ## A normalização em lote, passo a passo
#
# A normalização em lote (Ioffe e Szegedy, 2015) padroniza cada canal usando o próprio lote.
# Para um canal, com os $m$ valores $x_i$ que ele tem no lote (numa entrada
# $(N, H, W, C)$, são $m = N \cdot H \cdot W$ valores: todas as imagens e todas as posições):
#
# $$\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i \qquad
#   \sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} (x_i - \mu_B)^2 \qquad
#   \hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \varepsilon}} \qquad
#   y_i = \gamma\,\hat{x}_i + \beta$$
#
# - $\mu_B$ e $\sigma_B^2$ são a média e a variância **do lote**, um número por canal. A
#   variância divide por $m$ (a variância enviesada, o padrão de `np.var`), como o Keras.
# - $\varepsilon$ é um número pequeno que evita divisão por zero num canal constante. O
#   Keras usa $\varepsilon = 10^{-3}$.
# - $\gamma$ (escala) e $\beta$ (deslocamento) são aprendidos pelo gradiente, um de cada por
#   canal. Começam em 1 e 0.
#
# Quais valores entram numa mesma média? Desenhe o lote como um bloco de cubinhos, com um eixo
# para as imagens (N), um para os canais (C) e um para as posições (altura e largura juntas,
# H × W). A normalização em lote tira **uma** média (e uma variância) por canal, juntando todas
# as imagens e todas as posições: uma fatia inteira do bloco. O erro mais comum é reduzir só o
# eixo das imagens, o que dá uma média por canal **e por posição**, com poucos valores cada e
# uma estatística diferente para cada pixel:

# %%
show_normalization_axes();

# %% [markdown]
# Primeiro as estatísticas. Os eixos da média são todos menos o último, o dos canais:

# %%
EPSILON = 1e-3
axes = (0, 1, 2)
batch_mean = activations.mean(axis=axes)
batch_var = activations.var(axis=axes)
print("média do lote:", batch_mean.shape, "| variância do lote:", batch_var.shape)

# %% [markdown]
# Um número por canal. Agora a padronização e a escala, com $\gamma = 1$ e $\beta = 0$:

# %%
gamma = np.ones(activations.shape[-1], dtype="float32")
beta = np.zeros(activations.shape[-1], dtype="float32")
x_hat = (activations - batch_mean) / np.sqrt(batch_var + EPSILON)
normalized = gamma * x_hat + beta
print(f"depois: médias entre {fmt.num(normalized.mean(axis=axes).min())} e "
      f"{fmt.num(normalized.mean(axis=axes).max())}, desvios padrão entre "
      f"{fmt.num(normalized.std(axis=axes).min(), 4)} e "
      f"{fmt.num(normalized.std(axis=axes).max(), 4)}")

# %% [markdown]
# Médias praticamente zero e desvios perto de um: abaixo de 1 por causa do $\varepsilon$, e
# mais nos canais de variância pequena, em que o $\varepsilon$ pesa mais. Os histogramas de
# quatro canais, antes e depois, mostram a mesma coisa:

# %%
fig, (ax_before, ax_after) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
for channel in range(4):
    ax_before.hist(activations[..., channel].ravel(), bins=60, alpha=0.5,
                   label=f"canal {channel}")
    ax_after.hist(normalized[..., channel].ravel(), bins=60, alpha=0.5,
                  label=f"canal {channel}")
ax_before.set_title("Antes da BN: saída da convolução")
ax_after.set_title("Depois da BN (γ = 1, β = 0)")
for ax in (ax_before, ax_after):
    ax.set_xlabel("valor da ativação")
    ax.xaxis.set_major_formatter(fmt.tick_formatter())
    ax.set_ylabel("quantidade")
    ax.yaxis.set_major_formatter(fmt.tick_formatter())
    ax.legend()

# %% [markdown]
# Agora o Keras. `keras.layers.BatchNormalization()` com `training=True` faz exatamente a
# conta acima:

# %%
bn_layer = keras.layers.BatchNormalization()
keras_normalized = keras.ops.convert_to_numpy(bn_layer(activations, training=True))
print(f"epsilon do Keras: {bn_layer.epsilon}; momentum: {bn_layer.momentum}")
print(f"maior diferença entre a nossa conta e o Keras (treino): "
      f"{fmt.num(np.abs(keras_normalized - normalized).max())}")

# %% [markdown]
# ### Para que servem γ e β?
#
# Forçar média 0 e variância 1 pode atrapalhar: talvez a próxima camada funcione melhor com
# outra escala. Com $\gamma$ e $\beta$ a rede pode desfazer a normalização se isso ajudar.
# Por exemplo, $\gamma = \sqrt{\sigma_B^2 + \varepsilon}$ e $\beta = \mu_B$ devolvem a
# entrada original:

# %%
undone = np.sqrt(batch_var + EPSILON) * x_hat + batch_mean
print(f"maior diferença entre a entrada e a saída com γ = σ e β = μ: "
      f"{fmt.num(np.abs(undone - activations).max())}")

# %% [markdown]
# Por isso, depois do treino, a saída de uma camada de BN **não** tem necessariamente média 0 e
# variância 1 (o relatório do bootcamp dá a entender que sim): tem média $\beta$ e desvio padrão
# $|\gamma|$, aprendidos.
#
# ### Exercício 1 · A normalização em lote no modo de treino
#
# Complete `bn_forward_train(x, gamma, beta, epsilon)`. Ela recebe `x` de formato `(N, C)` (a
# saída de uma camada densa) ou `(N, H, W, C)` (a de uma convolução) e devolve a normalização em
# lote do modo de treino, com as estatísticas do próprio lote. A verificação testa as duas
# formas e compara com `course_utils.regularization` e com o Keras.

# %%
def bn_forward_train(x, gamma, beta, epsilon=1e-3):
    """Normalização em lote no modo de treino, sobre todos os eixos menos o último."""
    # BEGIN SOLUTION ex1
    axes = tuple(range(x.ndim - 1))
    mean = x.mean(axis=axes)
    var = x.var(axis=axes)
    return gamma * (x - mean) / np.sqrt(var + epsilon) + beta
    # END SOLUTION


ex1.check(bn_forward_train)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ## Treino e inferência: as estatísticas móveis
#
# No treino, a saída de uma imagem depende das **outras** imagens do lote, porque $\mu_B$ e
# $\sigma_B^2$ vêm do lote inteiro. Veja a imagem 0 normalizada junto com as 64 e junto com
# só 8 delas:

# %%
alone_in_8 = regularization.batch_norm_train(activations[:8], gamma, beta, EPSILON)
print(f"imagem 0, lote de {len(activations)} vs. lote de 8: maior diferença "
      f"{fmt.num(np.abs(normalized[0] - alone_in_8[0]).max(), 3)}")

# %% [markdown]
# Na inferência isso seria inaceitável: a previsão para uma foto não pode mudar conforme as
# fotos que vieram junto, e às vezes vem uma foto só. Por isso a camada guarda, ao longo do
# treino, médias móveis (*moving averages*) da média e da variância dos lotes. A cada passo
# de treino, o Keras faz
#
# $$\text{móvel} \leftarrow \text{móvel}\cdot \text{momentum} + \text{do lote}\cdot
#   (1 - \text{momentum}),$$
#
# com `momentum = 0.99` por padrão (a célula do Keras acima mostrou os dois valores padrão).
# Cuidado ao ler código PyTorch: lá o `momentum=0.1` é o peso do lote, a mesma regra escrita
# ao contrário. Na inferência (`training=False`, o que `predict` e `evaluate` usam) a camada
# normaliza com as estatísticas móveis, fixas. As móveis começam em média 0 e variância 1.
#
# `course_utils.regularization.BatchNorm` é essa camada escrita em NumPy. Vamos dar cinco
# passos de treino nela e numa camada do Keras, com os mesmos pesos, e comparar a saída e as
# estatísticas móveis depois de cada passo. Os lotes são cinco fatias de 8 imagens das
# nossas ativações.

# %%
channels = activations.shape[-1]
rng = np.random.default_rng(SEED)
start_weights = [rng.uniform(0.5, 1.5, channels), rng.normal(0, 0.5, channels),
                 np.zeros(channels), np.ones(channels)]
ours = regularization.BatchNorm(channels)
ours.set_weights(start_weights)
theirs = keras.layers.BatchNormalization()
theirs.build(activations.shape)
theirs.set_weights(start_weights)
print(ours, "| pesos na ordem do Keras:", [w.name for w in theirs.weights])

# %%
steps = []
for step in range(5):
    x_step_batch = activations[8 * step: 8 * (step + 1)]
    out_ours = ours.forward(x_step_batch, training=True)
    out_keras = keras.ops.convert_to_numpy(theirs(x_step_batch, training=True))
    keras_moving_mean, keras_moving_var = theirs.get_weights()[2:]
    steps.append({
        "passo": step + 1,
        "dif. máx. saída": np.abs(out_ours - out_keras).max(),
        "dif. máx. média móvel": np.abs(ours.moving_mean - keras_moving_mean).max(),
        "dif. máx. variância móvel": np.abs(ours.moving_variance - keras_moving_var).max(),
        "média móvel do canal 0": ours.moving_mean[0],
    })
pd.DataFrame(steps).set_index("passo")

# %% [markdown]
# As diferenças ficam no nível do arredondamento de `float32` em todos os passos. Agora o
# modo de inferência, com as estatísticas móveis acumuladas:

# %%
infer_ours = ours.forward(activations, training=False)
infer_keras = keras.ops.convert_to_numpy(theirs(activations, training=False))
print(f"maior diferença na inferência: {fmt.num(np.abs(infer_ours - infer_keras).max())}")
print(f"imagem 0 sozinha vs. no lote de {len(activations)} (inferência): "
      f"{fmt.num(np.abs(ours.forward(activations[:1])[0] - infer_ours[0]).max())}")
print(f"canal 0: média das 40 imagens dos 5 lotes {fmt.num(activations[:40, ..., 0].mean(), 3)}; "
      f"média móvel depois dos 5 passos {fmt.num(ours.moving_mean[0], 3)}")

# %% [markdown]
# Na inferência a imagem 0 sai igual sozinha ou acompanhada. A última linha mostra outra
# coisa: depois de cinco passos, a média móvel do canal 0 ainda está longe da média dos lotes
# e perto do valor inicial, 0. Com `momentum = 0.99`, o valor inicial ainda pesa
# $0{,}99^k$ depois de $k$ passos:

# %%
steps_to_1_percent = int(np.ceil(np.log(0.01) / np.log(bn_layer.momentum)))
for k in (10, 100, steps_to_1_percent):
    print(f"depois de {k:4d} passos, o valor inicial ainda pesa "
          f"{fmt.pct(bn_layer.momentum**k):>7}")

# %% [markdown]
# São precisos centenas de passos para as estatísticas móveis esquecerem o começo. Num treino
# longo isso acontece ainda na primeira época; num treino de poucos passos (como o modo rápido
# dos testes), a rede com BN pode ir bem durante o `fit` e mal no `evaluate` e no `predict`,
# só porque na inferência ela usa estatísticas móveis ainda atrasadas. Guarde isso para ler a
# ablação mais adiante.
#
# ### Exercício 2 · As estatísticas móveis depois de um passo
#
# `step_problem()` traz um lote `x` de formato `(N, H, W, C)`, as estatísticas móveis antes
# do passo e o `momentum` da camada (aqui 0.9, não o padrão 0.99, para um passo mover os
# números o bastante para você ver). Calcule a média móvel e a variância móvel depois de
# **um** passo de treino, como o Keras faz.

# %%
problem = step_problem()
x_step = problem["x"]
moving_mean_0 = problem["moving_mean"]
moving_variance_0 = problem["moving_variance"]
momentum = problem["momentum"]
print("lote:", x_step.shape, "| média móvel antes:", moving_mean_0,
      "| variância móvel antes:", moving_variance_0, "| momentum:", momentum)

# %%
# BEGIN SOLUTION ex2
batch_mean_step = x_step.mean(axis=(0, 1, 2))
batch_variance_step = x_step.var(axis=(0, 1, 2))
new_moving_mean = momentum * moving_mean_0 + (1 - momentum) * batch_mean_step
new_moving_variance = momentum * moving_variance_0 + (1 - momentum) * batch_variance_step
# END SOLUTION
ex2.check((new_moving_mean, new_moving_variance))

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# ## Quantos parâmetros a BN acrescenta
#
# Cada canal normalizado tem quatro números: $\gamma$ e $\beta$, treináveis, e a média e a
# variância móveis, que não são treinadas pelo gradiente (são só acompanhadas). Todos entram
# em `count_params` e no arquivo salvo.
#
# Em `build_vgg_style(batch_norm=True)` a BN fica entre cada convolução e a sua ReLU, e a
# convolução perde o viés (`use_bias=False`): como a BN subtrai a média do canal, um viés
# somado antes seria cancelado, e o $\beta$ já faz o papel de deslocamento. Veja o modelo com
# os filtros do modo completo, `FULL_FILTERS`, um bloco por linha:

# %%
print("filtros por bloco:", FULL_FILTERS)
bn_model = build_vgg_style(filters=FULL_FILTERS, batch_norm=True)
summary_by_block(bn_model)

# %% [markdown]
# ### Exercício 3 · Os parâmetros das camadas BN
#
# O resumo acima mostra os números de um modelo; a conta tem de valer para qualquer um. Complete
# `bn_params(filters)`: a partir de `filters` (os filtros de cada bloco) e do que você sabe
# sobre `build_vgg_style` (duas convoluções por bloco, uma camada de BN depois de cada uma),
# devolva `(total, treináveis)`, os parâmetros de todas as camadas BatchNormalization do modelo.
# O `check` chama a sua função com `FULL_FILTERS` e com outras listas de filtros.

# %%
def bn_params(filters):
    """(total, treináveis) das camadas BN de build_vgg_style(filters, batch_norm=True)."""
    # BEGIN SOLUTION ex3
    normalized_channels = 2 * sum(filters)  # uma camada de BN depois de cada conv
    return 4 * normalized_channels, 2 * normalized_channels
    # END SOLUTION


ex3.check(bn_params)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# Quanto isso pesa no modelo todo? A célula compara com o mesmo modelo sem BN (que tem os
# vieses das convoluções):

# %%
plain_model = build_vgg_style(filters=FULL_FILTERS, batch_norm=False)
bn_total, bn_trainable = bn_parameter_count(bn_model)
print(f"sem BN: {fmt.num(plain_model.count_params())} parâmetros | com BN: "
      f"{fmt.num(bn_model.count_params())} (dos quais {fmt.num(bn_total)} nas camadas de BN, "
      f"{fmt.num(bn_total - bn_trainable)} não treináveis)")
print(f"acréscimo: {fmt.pct(bn_model.count_params() / plain_model.count_params() - 1, 2)}")

# %% [markdown]
# ## Por que a BN ajuda (e o que ainda se discute)
#
# O que se observa na prática é firme: com BN o treino converge em menos épocas, aceita
# taxas de aprendizado maiores e depende menos da inicialização dos pesos. Também há um
# pequeno efeito de regularização, porque a média e a variância de cada lote são um pouco
# ruidosas.
#
# O **porquê** é menos firme. O artigo original atribuiu o ganho a reduzir a "mudança
# interna de covariáveis" (*internal covariate shift*): a distribuição que cada camada
# recebe mudando durante o treino, que é a explicação do relatório do bootcamp. Trabalhos
# posteriores questionaram essa história; Santurkar e colegas (2018) mostraram redes que
# treinam bem com BN mesmo quando se injeta ruído de propósito para a distribuição variar, e
# propuseram que a BN ajuda por deixar a superfície da perda mais suave, com gradientes mais
# previsíveis. Ainda não há uma explicação aceita por todos: use a BN porque ela funciona, e
# desconfie de quem dá uma explicação única como certa.
#
# Uma coisa que dá para ver sem treinar nada: numa pilha de convoluções recém-inicializadas,
# a escala das ativações muda de camada em camada; com BN ela se repete. A célula passa o
# nosso lote por seis convoluções com ReLU (pesos iniciais do Keras), com e sem BN, e mede o
# desvio padrão das ativações depois de cada uma:

# %%
def activation_scales(use_bn, depth=6, width=16):
    """Desvio padrão das ativações depois de cada convolução (+BN) + ReLU, sem treino."""
    config.set_seed(SEED)
    x, scales = batch, []
    for _ in range(depth):
        x = keras.layers.Conv2D(width, 3, padding="same")(x)
        if use_bn:
            x = keras.layers.BatchNormalization()(x, training=True)
        x = keras.ops.relu(x)
        scales.append(float(keras.ops.std(x)))
    return scales


scales = pd.DataFrame(
    {"sem BN": activation_scales(False), "com BN": activation_scales(True)},
    index=pd.RangeIndex(1, 7, name="camada"),
)
scales.round(4)

# %%
fig, ax = plt.subplots(figsize=(6, 3.4), layout="constrained")
for column, marker in zip(scales, ("o", "s")):
    ax.plot(scales.index, scales[column], marker=marker, label=column)
ax.set_yscale("log")
ax.set_xlabel("camada (convolução + ReLU)")
ax.set_ylabel("desvio padrão das ativações")
ax.set_title("Escala das ativações por camada, sem treino")
ax.grid(alpha=0.3)
ax.legend()
for column in scales:
    ratio = scales[column].iloc[-1] / scales[column].iloc[0]
    print(f"{column}: desvio padrão na camada 6 = {fmt.num(ratio, 3)} × o da camada 1")

# %% [markdown]
# Sem BN, a escala muda com a profundidade (com a inicialização padrão e a ReLU, ela encolhe
# a cada camada); com BN, toda camada entrega ativações na mesma escala. É um efeito real,
# mas é só o começo do treino; ele não prova sozinho nenhuma das explicações acima.
#
# ## *Dropout*
#
# O material *Camadas convolucionais e Dropout* (veja as Fontes) compara o *dropout* a um
# treinador de futebol. Imagine que, em cada treino, o
# técnico sorteia alguns jogadores para ficarem de fora. Se o time depende do craque para
# tudo, nos treinos sem ele a equipe se perde; com o tempo, os outros aprendem a cobrir
# aquela posição e o time fica menos frágil. No dia do jogo, todos entram em campo.
#
# Numa rede, os jogadores são as ativações. Em cada passo de treino, o *dropout* zera cada
# ativação com probabilidade `rate` (a taxa), sorteada de novo a cada lote. Nenhum neurônio
# pode contar que um vizinho específico estará lá, e a rede aprende representações mais
# redundantes, que generalizam melhor. Na inferência o *dropout* não desliga nada.
#
# **A escala.** Se 20 % das ativações somem, a soma que chega à próxima camada cai, em
# média, 20 %. O artigo original (Srivastava e colegas, 2014) corrigia isso na inferência,
# multiplicando os pesos pela fração mantida; é o "ajuste das conexões" que aquele material
# descreve. O Keras usa o *dropout* **invertido**: a correção vai para o treino, dividindo as
# ativações mantidas por $1 - \text{rate}$, e a inferência fica intocada. Em cada valor:
#
# $$\mathbb{E}[y] = (1-\text{rate})\cdot\frac{x}{1-\text{rate}} + \text{rate}\cdot 0 = x.$$
#
# Vamos conferir com `keras.layers.Dropout` e com `course_utils.regularization.dropout`, com
# a taxa da aula, num tensor grande de uns:

# %%
ones = np.ones((1000, 500), dtype="float32")
dropped_keras = keras.ops.convert_to_numpy(
    keras.layers.Dropout(DROPOUT_RATE, seed=SEED)(ones, training=True))
dropped_ours = regularization.dropout(ones, DROPOUT_RATE, training=True,
                                      rng=np.random.default_rng(SEED))
for name, out in (("Keras", dropped_keras), ("nosso", dropped_ours)):
    print(f"{name:>5}: zerados {fmt.pct((out == 0).mean(), 2)}, valores mantidos "
          f"{'; '.join(fmt.num(v) for v in np.unique(out[out != 0]))}, "
          f"média {fmt.num(out.mean(), 4)}")
print(f"1 / (1 − {fmt.num(DROPOUT_RATE)}) = {fmt.num(1 / (1 - DROPOUT_RATE))}")

# %% [markdown]
# Os dois zeram perto de 20 % (cada sorteio dá um número um pouco diferente: não dá para
# comparar as máscaras uma a uma, só as estatísticas), os valores que ficam valem
# exatamente $1/(1-0{,}2)$ e a média continua perto de 1. Na inferência:

# %%
inference_keras = keras.ops.convert_to_numpy(
    keras.layers.Dropout(DROPOUT_RATE)(ones, training=False))
inference_ours = regularization.dropout(ones, DROPOUT_RATE, training=False)
print("Keras, training=False, igual à entrada?", np.array_equal(inference_keras, ones))
print("nosso, training=False, igual à entrada?", np.array_equal(inference_ours, ones))

# %% [markdown]
# Como é uma máscara de *dropout*? Abaixo, o *dropout* do Keras aplicado a uma imagem do CIFAR-10
# (em tons de cinza, para cada pixel ser um valor só), como se ela fosse a saída de uma
# camada: a máscara (branco = mantido, preto = zerado) e o resultado, para duas taxas. Cada
# passo de treino sorteia uma máscara nova.

# %%
gray = x_train[0].mean(axis=-1).astype("float32") / 255.0
panels, titles = [gray], ["imagem"]
for rate in (DROPOUT_RATE, 0.5):
    dropped = keras.ops.convert_to_numpy(
        keras.layers.Dropout(rate, seed=SEED)(gray[np.newaxis], training=True))[0]
    panels += [(dropped != 0).astype("float32"), dropped]
    titles += [f"máscara, taxa {fmt.num(rate)}", f"resultado, taxa {fmt.num(rate)}"]
show_images(np.stack(panels), titles=titles, ncols=5, figsize=(11, 2.8),
            suptitle="Dropout numa imagem: máscara e resultado");

# %% [markdown]
# **Que taxa usar?** O exemplo daquele material é 0,2, a taxa que o modelo de pneumonia do
# mesmo material põe depois dos blocos convolucionais. É um valor comum ali: convoluções têm
# poucos parâmetros (compartilhados pelo filtro) e sobreajustam pouco. Camadas densas grandes
# têm muito mais parâmetros e costumam levar taxas maiores: 0,5 é o clássico do artigo
# original, e o exemplo de pneumonia chega a 0,7 na densa de 512 neurônios. Taxa alta demais
# deixa a rede sem capacidade e o treino lento. Como sempre, quem decide é a validação.
#
# ### Exercício 4 · *Dropout* invertido
#
# Complete `inverted_dropout(x, rate, rng)`, o *dropout* no modo de treino: zere cada valor com
# probabilidade `rate` e divida os que ficam por `1 - rate`. Sorteie a máscara com o gerador
# `rng` recebido (um `np.random.Generator`), para o resultado ser reproduzível.

# %%
def inverted_dropout(x, rate, rng):
    """Dropout invertido no modo de treino, como keras.layers.Dropout."""
    # BEGIN SOLUTION ex4
    keep = rng.random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
    # END SOLUTION


ex4.check(inverted_dropout)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# ## Ablação no CIFAR-10
#
# Uma **ablação** mede o efeito de cada peça treinando a mesma rede com e sem ela. A rede é a
# `build_vgg_style` da aula "08 · CIFAR-10", e as cinco variantes acrescentam uma coisa de
# cada vez: nada, *dropout*, BN, BN com *dropout* e, por fim, também o aumento de dados (*data
# augmentation*) da aula "09 · Aumento de dados": espelhamento horizontal e deslocamentos de
# até 10 % da imagem. Tudo o mais é igual: os mesmos dados, as mesmas épocas, o mesmo
# otimizador e a mesma semente (`config.set_seed(SEED)` antes de cada treino).

# %%
variants_table = pd.DataFrame(VARIANTS).T.rename(
    columns={"batch_norm": "normalização em lote", "dropout": "taxa de dropout",
             "augmentation": "aumento de dados"}
).rename_axis("variante")
for column in ("normalização em lote", "aumento de dados"):
    variants_table[column] = variants_table[column].map({True: "sim", False: "não"})
variants_table

# %% [markdown]
# Separamos 10 % do treino, estratificado, para a validação; o teste fica guardado para o
# fim. No modo rápido a rede usa filtros menores, para as cinco variantes caberem no tempo
# dos testes.

# %%
x_tr, x_val, y_tr, y_val = reference_split(x_train, y_train, VAL_FRACTION)
FILTERS = FAST_FILTERS if config.FAST else FULL_FILTERS
EPOCHS = config.epochs(*ABLATION_EPOCHS)
# para medir a acurácia de treino: uma amostra do treino do tamanho da validação
train_eval_ds = make_dataset(x_tr[:len(y_val)], y_tr[:len(y_val)], batch_size=256)
val_ds = make_dataset(x_val, y_val, batch_size=256)
test_ds = make_dataset(x_test, y_test, batch_size=256)
steps_per_epoch = int(np.ceil(len(y_tr) / BATCH_SIZE))
print(f"treino {fmt.num(len(y_tr))}, validação {fmt.num(len(y_val))}, "
      f"teste {fmt.num(len(y_test))} imagens; "
      f"filtros {FILTERS}, {EPOCHS} época(s) por variante, lotes de {BATCH_SIZE}, "
      f"{steps_per_epoch} passos por época")
print(f"depois de {EPOCHS * steps_per_epoch} passos, o valor inicial das estatísticas móveis "
      f"da BN ainda pesa {fmt.pct(bn_layer.momentum ** (EPOCHS * steps_per_epoch), 2)}")

# %% [markdown]
# Cada variante recebe um *dataset* de treino novo, com a mesma semente de embaralhamento:
# assim todas veem as imagens na mesma ordem (um mesmo *dataset* reembaralha a cada passada).
#
# Uma escolha importante: a acurácia de treino da tabela é medida **depois** do treino, com
# `evaluate`, no modo de inferência, numa amostra do treino do mesmo tamanho da validação
# (`reference_split` já embaralhou, então as primeiras imagens são uma amostra ao acaso;
# medir as duas com o mesmo número de imagens dá a elas a mesma precisão, e sai mais
# barato). Na aula "09 · Aumento de dados" o vão entre
# treino e validação vinha do `history`, a média da época com a rede ainda aprendendo. Aqui
# isso distorceria mais: durante a época o *dropout* está ligado e o aumento de dados ativo,
# então a acurácia de treino do `fit` sai mais baixa nas variantes regularizadas por causa
# da própria regularização. Medindo as duas acurácias no mesmo modo, o vão vira um
# termômetro de sobreajuste justo para todas as variantes.

# %%
def run_variant(name):
    """Treina uma variante com as escolhas da aula; devolve a linha da tabela e o history."""
    config.set_seed(SEED)
    model = build_variant(name, FILTERS)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_ds = make_dataset(x_tr, y_tr, batch_size=BATCH_SIZE, shuffle=True, seed=SEED)
    start = time.perf_counter()
    # shuffle=False: quem embaralha é o tf.data (veja a aula 08); LiveTraining desenha as
    # curvas numa figura só, atualizada a cada época, em vez de uma linha por época
    history = model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, shuffle=False,
                        verbose=0, callbacks=[LiveTraining()])
    seconds = time.perf_counter() - start
    train_acc = model.evaluate(train_eval_ds, verbose=0)[1]
    val_acc = history.history["val_accuracy"][-1]
    row = {"variante": name, "parâmetros": model.count_params(),
           "acurácia de treino": train_acc, "acurácia de validação": val_acc,
           "vão": train_acc - val_acc, "segundos": seconds}
    print(f"{name}: validação {fmt.num(val_acc, 4)} em {fmt.num(seconds, 1)} s")
    return row, history


# %%
rows, histories = [], {}
for name in VARIANTS:
    row, histories[name] = run_variant(name)
    rows.append(row)
ablation = pd.DataFrame(rows).set_index("variante")
ablation.round(4)

# %%
fig, (ax_curves, ax_bars) = plt.subplots(1, 2, figsize=(12, 4), layout="constrained")
for name, history in histories.items():
    values = history.history["val_accuracy"]
    ax_curves.plot(range(1, len(values) + 1), values, marker="o", label=name)
ax_curves.set_xlabel("época")
ax_curves.set_xticks(range(1, EPOCHS + 1))
ax_curves.set_xlim(0.5, EPOCHS + 0.5)
ax_curves.set_ylabel("acurácia de validação")
ax_curves.yaxis.set_major_formatter(fmt.tick_formatter())
ax_curves.set_title("Validação ao longo do treino")
ax_curves.grid(alpha=0.3)
ax_curves.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, fontsize="small")
positions = np.arange(len(ablation))
ax_bars.barh(positions - 0.2, ablation["acurácia de treino"], height=0.4, label="treino")
ax_bars.barh(positions + 0.2, ablation["acurácia de validação"], height=0.4, label="validação")
ax_bars.set_yticks(positions, ablation.index)
ax_bars.invert_yaxis()
ax_bars.set_xlabel("acurácia (modo de inferência)")
ax_bars.xaxis.set_major_formatter(fmt.tick_formatter())
ax_bars.set_title("Treino × validação no fim")
ax_bars.legend();

# %% [markdown]
# ### Lendo a tabela
#
# As frases abaixo são montadas pelo código a partir da tabela, para valerem para os números
# que você acabou de obter (no modo completo ou no rápido):

# %%
base = ablation.loc["nenhuma"]
best_name = ablation["acurácia de validação"].idxmax()
best_val_acc = ablation.loc[best_name, "acurácia de validação"]
def signed(value, decimals):
    """`value` com o sinal sempre escrito e vírgula decimal: +1,23 ou -0,45."""
    return ("+" if value > 0 else "") + fmt.num(value, decimals)


print(f"- A melhor validação é a de '{best_name}': {fmt.num(best_val_acc, 4)}, "
      f"{signed(100 * (best_val_acc - base['acurácia de validação']), 2)} pontos "
      "percentuais em relação à rede sem regularização.")
for name, row in ablation.drop(index="nenhuma").iterrows():
    change = 100 * (row["acurácia de validação"] - base["acurácia de validação"])
    verb = "melhorou" if change > 0 else "piorou" if change < 0 else "não mudou"
    print(f"- '{name}' {verb} a validação em {fmt.num(abs(change), 2)} pontos; vão "
          f"{signed(row['vão'], 4)} (sem regularização: {signed(base['vão'], 4)}); "
          f"{fmt.num(row['segundos'] / base['segundos'], 1)}× o tempo de treino.")
widest, narrowest = ablation["vão"].idxmax(), ablation["vão"].idxmin()
print(f"- Maior vão treino − validação: '{widest}' ({signed(ablation.loc[widest, 'vão'], 4)}); "
      f"menor: '{narrowest}' ({signed(ablation.loc[narrowest, 'vão'], 4)}).")
print(f"- Cada variante treinou {EPOCHS} época(s) de {fmt.num(len(y_tr))} imagens.")

# %% [markdown]
# Como ler isso com cuidado:
#
# - A diferença entre duas linhas só significa algo se for maior que o ruído. A mesma
#   semente repete o sorteio, mas outra semente mudaria um pouco cada acurácia, e tanto mais
#   quanto menos imagens a validação tiver.
# - Regularizar é trocar acurácia de treino por generalização: o esperado é o vão cair com
#   *dropout* e com aumento de dados. Se a tabela não mostrar isso, olhe o vão da rede sem
#   regularização: se ele já é pequeno, o treino foi curto demais para ela começar a decorar
#   as imagens de treino, e não havia sobreajuste para combater.
# - O aumento de dados deixa cada época mais difícil e costuma precisar de **mais** épocas
#   para render; com poucas épocas ele pode até perder.
# - Com poucos passos, as variantes com BN sofrem com as estatísticas móveis atrasadas
#   (a conta do $0{,}99^k$ lá em cima). A célula que montou os dados mostrou quanto o valor
#   inicial ainda pesa no fim do treino: se for muito mais que 1 %, a acurácia das variantes
#   com BN (de treino e de validação, ambas medidas no modo de inferência) ainda não mede o
#   BN de verdade.
#
# A ordem das variantes com poucas épocas pode não ser a de um treino completo. É por isso que
# a escolha final ainda passa por um treino mais longo.
#
# ## O melhor modelo da série CIFAR-10
#
# Ficamos com a variante de melhor validação na ablação e a treinamos por mais tempo: até
# `FINAL_EPOCHS` épocas, com parada antecipada (`EarlyStopping`) quando a perda de validação
# passa `FINAL_PATIENCE` épocas sem melhorar, voltando aos pesos da melhor época, e com a taxa
# de aprendizado reduzida à metade quando essa mesma perda estaciona (`ReduceLROnPlateau`).
# O código é o mesmo nos dois modos; só o número de épocas muda.
#
# Os dois *callbacks* olham a **mesma** medida, a perda de validação (`val_loss`), como na
# aula "12 · Raio-X com TPU". Por que a perda, se o que relatamos é a acurácia? A perda é
# contínua: ela melhora ou piora a cada época, mesmo quando a acurácia fica parada porque
# nenhuma imagem de validação mudou de classe, e ela também pesa as respostas erradas dadas
# com muita confiança, que a acurácia não vê. E, olhando o mesmo número, os dois não se
# contradizem: se um vigiasse a acurácia e o outro a perda, a taxa poderia cair por causa de
# uma medida enquanto a parada esperava a outra melhorar.

# %%
final_epochs = config.epochs(*FINAL_EPOCHS)
print(f"variante escolhida: '{best_name}', até {final_epochs} época(s)")
config.set_seed(SEED)
final_model = build_variant(best_name, FILTERS)
final_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=FINAL_PATIENCE,
                                  restore_best_weights=True),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3),
    LiveTraining(metrics=("loss", "accuracy")),
]
train_ds = make_dataset(x_tr, y_tr, batch_size=BATCH_SIZE, shuffle=True, seed=SEED)
start = time.perf_counter()
final_history = final_model.fit(train_ds, validation_data=val_ds, epochs=final_epochs,
                                shuffle=False, callbacks=callbacks, verbose=0)
print(f"{len(final_history.history['loss'])} época(s) em "
      f"{fmt.num(time.perf_counter() - start, 0)} s")

# %%
plot_history(final_history);

# %% [markdown]
# Agora, uma única vez, o teste:

# %%
test_loss, test_accuracy = final_model.evaluate(test_ds, verbose=0)
best_epoch = int(np.argmin(final_history.history["val_loss"]))  # a que o EarlyStopping restaurou
best_val = final_history.history["val_accuracy"][best_epoch]
print(f"validação (época {best_epoch + 1}, a de menor perda): {fmt.num(best_val, 4)} | "
      f"teste: {fmt.num(test_accuracy, 4)} ({fmt.num(len(y_test))} imagens)")

# %% [markdown]
# O relatório do bootcamp treina no CIFAR-10 completo um modelo sem BN (três convoluções com
# passo 2 e uma densa de 1024 neurônios, com *dropout*) por 5 épocas. Ele passa o **teste**
# como `validation_data`, então a "validação" que ele imprime é, na verdade, acurácia no
# teste, e dá para comparar com a nossa, desde que os dois modelos tenham visto dados
# parecidos. No modo rápido (poucas imagens, filtros pequenos, uma época) a comparação não
# vale. O que os autores do curso mediram até agora foi numa amostra de 10.000 imagens do
# CIFAR-10, num computador de 2 núcleos sem GPU, com 5 épocas por variante; com o CIFAR-10
# completo e o treino longo desta seção, a comparação ainda não foi medida: rode a aula com
# o modo rápido desligado (numa GPU, de preferência) e veja o resultado na célula abaixo.

# %%
LECTURE_TEST_ACCURACY = 0.6909  # "val_accuracy" da 5ª época impressa no relatório
print(f"relatório: {fmt.pct(LECTURE_TEST_ACCURACY, 2)} | este modelo no teste: "
      f"{fmt.pct(test_accuracy, 2)} ({'modo rápido' if config.FAST else 'modo completo'}, "
      f"treino com {fmt.num(len(y_tr))} imagens)")

# %% [markdown]
# Por fim, salvamos o modelo num arquivo `.keras` (numa pasta temporária) e conferimos que o
# arquivo devolve as mesmas previsões. As camadas de aumento de dados vão junto no arquivo e
# continuam desligadas na inferência.

# %%
path = Path(tempfile.mkdtemp()) / "cifar10_melhor.keras"
final_model.save(path)
reloaded = keras.models.load_model(path)
sample = x_test[:32].astype("float32") / 255.0
same = np.allclose(final_model.predict(sample, verbose=0), reloaded.predict(sample, verbose=0))
print(f"salvo em {path.name} ({fmt.num(path.stat().st_size / 1024, 0)} kB); "
      f"mesmas previsões: {same}")
print("primeiras previsões:",
      [CIFAR10_CLASSES[k] for k in reloaded.predict(sample[:5], verbose=0).argmax(axis=1)])

# %% [markdown]
# ## O que você aprendeu
#
# - A normalização em lote padroniza cada canal com a média e a variância (enviesada) do lote,
#   sobre o lote e as posições, e depois aplica $\gamma$ e $\beta$ aprendidos; $\varepsilon$
#   evita a divisão por zero (o Keras usa $10^{-3}$).
# - No treino a BN usa as estatísticas do lote e atualiza as móveis com
#   `móvel·momentum + lote·(1 − momentum)` (`momentum = 0.99` no Keras); na inferência usa as
#   móveis, e a saída de uma imagem não depende das outras.
# - Cada canal normalizado custa 4 parâmetros, 2 treináveis; a convolução antes da BN
#   dispensa o viés.
# - A BN acelera e estabiliza o treino; o porquê ("mudança interna de covariáveis",
#   superfície de perda mais suave) ainda é discutido.
# - O *dropout* zera ativações ao acaso no treino, como um técnico que tira jogadores para o
#   time não depender de ninguém; no Keras ele é invertido (divide os que ficam por
#   $1 - \text{rate}$) e some na inferência. Taxa 0,2 é comum; densas grandes levam mais.
# - Uma ablação muda uma peça por vez, com as mesmas épocas e sementes, e lê treino,
#   validação, vão e tempo; poucas épocas podem inverter a ordem de um treino completo.
#
# ## De onde vem e o que ler a seguir
#
# A normalização em lote vem do relatório do bootcamp LAMIA (a aula 39 do bootcamp), que a
# motiva pela distribuição que muda de camada em camada; aqui vimos que esse motivo é
# discutido e que a saída não fica presa em média 0 e variância 1. O *dropout*, a analogia do
# time de futebol e a taxa 0,2 vêm do material *Camadas convolucionais e Dropout*, cuja
# descrição da inferência é a do artigo original; o Keras faz a conta equivalente no treino.
# Os termos técnicos seguem o
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# Esta aula fecha a série CIFAR-10 das aulas "08 · CIFAR-10" e "09 · Aumento de dados". A
# próxima, "11 · Redes residuais", usa a normalização em lote em redes de 20 a 56 camadas e
# mostra por que uma rede mais funda treina pior sem atalhos. Depois, a aula "12 · Raio-X com
# TPU" leva tudo a um exemplo maior, a pneumonia em radiografias de tórax do mesmo material
# sobre *dropout*, em que a normalização em lote e o *dropout* com taxas de 0,2 a 0,7 aparecem
# juntos.
#
# ### Fontes
#
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA.
# - *Camadas convolucionais e Dropout* (tópico opcional de uma disciplina universitária), com
#   o exemplo do Keras "Pneumonia Classification on TPU"
#   (keras.io/examples/vision/xray_classification_with_tpus).
# - Sergey Ioffe e Christian Szegedy. *Batch Normalization: Accelerating Deep Network
#   Training by Reducing Internal Covariate Shift*, 2015.
# - Nitish Srivastava e colegas. *Dropout: A Simple Way to Prevent Neural Networks from
#   Overfitting*. JMLR, 2014.
# - Shibani Santurkar e colegas. *How Does Batch Normalization Help Optimization?*
#   NeurIPS, 2018.
