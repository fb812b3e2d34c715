# %% [markdown]
# # 11 · Redes residuais
#
# A rede no estilo VGG da aula 08 empilha convoluções 3×3: mais camadas, características mais
# elaboradas. Então por que não empilhar 50 em vez de 10? Em 2015, Kaiming He e colegas (veja
# as Fontes no fim) mostraram que, passando de umas 20 camadas, uma rede "plana" (uma camada
# atrás da outra) **treina pior** que a mesma rede mais rasa: a perda de **treino** fica mais
# alta, não só a de teste. Não é sobreajuste; é a otimização que não dá conta. A saída que
# eles propuseram, o **bloco residual**, é hoje uma peça de quase toda rede profunda.
#
# Você vai aprender a:
#
# - medir o **problema da degradação**: a rede plana mais funda termina o mesmo treino com
#   perda de treino maior que a mais rasa;
# - explicar o bloco residual, $y = \mathrm{ReLU}(F(x) + x)$, e por que o atalho
#   (*shortcut*) deixa o gradiente chegar às primeiras camadas, medindo o gradiente camada a
#   camada como na aula 05;
# - usar uma convolução 1×1 no atalho onde o formato muda, e contar os parâmetros de um bloco;
# - escrever um bloco residual com a API funcional do Keras;
# - montar a família ResNet do CIFAR-10 (profundidade $6n + 2$), seguir o formato de uma imagem
#   estágio a estágio e ler as curvas de treino de redes planas e residuais.
#
# **O que a aula supõe.** Contar os parâmetros de uma `Conv2D` e o *global average pooling*
# da aula 03; a regra da cadeia e o gradiente medido camada a camada da aula 05; o CIFAR-10 e
# o *pipeline* `make_dataset` da aula 08; a normalização em lote (*batch normalization*, BN)
# da aula 10, com os seus 4 números por canal e as estatísticas móveis.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from keras import layers
from matplotlib.patches import FancyBboxPatch

from course_utils import config, fmt
from course_utils.checks import ____
from course_utils.datasets import load_cifar10
from course_utils.exercises.lesson11 import (
    BATCH_SIZE,
    DEPTHS,
    EPOCHS,
    FAST_BATCH_SIZE,
    FAST_DEPTHS,
    FAST_TRAIN_IMAGES,
    curve_problem,
    ex1,
    ex2,
    ex3,
    ex4,
    model_name,
    reference_gap,
)
from course_utils.lessons import SEED
from course_utils.models import build_resnet
from course_utils.pipelines import make_dataset
from course_utils.progress import LiveTraining

config.set_seed(SEED)
pd.set_option("display.float_format", fmt.num)  # tabelas com vírgula decimal
print(config.fast_mode_line())
print(config.accelerator_line(11))

# %% [markdown]
# As escolhas de treino ficam aqui em cima. No modo completo comparamos as redes de 20 e de
# 56 camadas do artigo, com lotes de 128 imagens como ele; no modo rápido, redes de 8 e 20
# camadas, com menos imagens, menos épocas e lotes menores (mais passos no mesmo tempo), com o
# mesmo código.

# %%
SHALLOW, DEEP = FAST_DEPTHS if config.FAST else DEPTHS
N_EPOCHS = config.epochs(*EPOCHS)
batch_size = FAST_BATCH_SIZE if config.FAST else BATCH_SIZE
print(f"profundidades: {SHALLOW} e {DEEP} | épocas: {N_EPOCHS} | lote: {batch_size} | "
      f"semente: {SEED}")

# %% [markdown]
# ## Mais camadas, rede pior?
#
# Pense numa rede rasa que já treina bem. Uma rede mais funda poderia fazer **pelo menos** o
# mesmo: bastaria copiar as camadas da rasa e fazer as camadas extras devolverem a entrada
# sem mudar nada (a **identidade**). Então, com o mesmo treino, a perda de treino da mais funda
# não deveria ficar acima da da rasa. Vamos medir.
#
# `build_resnet(depth, residual=False)`, de `course_utils.models`, monta a rede plana do
# artigo: uma convolução 3×3, três **estágios** de blocos de duas convoluções 3×3 com 16, 32 e
# 64 filtros, cada convolução seguida de normalização em lote e ReLU, *global average pooling*
# e uma camada densa com softmax. A profundidade conta as camadas com pesos: $6n + 2$, com $n$
# blocos por estágio. Os dados são os do CIFAR-10 da aula 08.

# %%
(x_train, y_train), (x_test, y_test) = load_cifar10()
if config.FAST:
    x_train, y_train = x_train[:FAST_TRAIN_IMAGES], y_train[:FAST_TRAIN_IMAGES]
test_ds = make_dataset(x_test, y_test, batch_size=256)
steps_per_epoch = int(np.ceil(len(y_train) / batch_size))
print(f"treino: {fmt.num(len(y_train))} imagens ({steps_per_epoch} passos por época); "
      f"teste: {fmt.num(len(y_test))}")

# %% [markdown]
# Cada rede treina com o mesmo orçamento: as mesmas épocas, o mesmo otimizador (Adam, da aula
# 04), a mesma semente e as imagens na mesma ordem (um *dataset* novo, com a mesma semente de
# embaralhamento, para cada rede). Guardamos a perda de treino de cada época, a média que o
# `fit` informa, e o tempo. A acurácia no teste também é medida logo depois de cada treino,
# mas só vamos olhá-la no fim da aula.

# %%
def train(depth, residual):
    """Treina build_resnet(depth, residual) com as escolhas da aula; devolve o history e a
    acurácia no teste."""
    config.set_seed(SEED)
    model = build_resnet(depth, residual=residual)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_ds = make_dataset(x_train, y_train, batch_size=batch_size, shuffle=True, seed=SEED)
    start = time.perf_counter()
    # shuffle=False: quem embaralha é o tf.data (aula 08)
    history = model.fit(train_ds, epochs=N_EPOCHS, shuffle=False, verbose=0,
                        callbacks=[LiveTraining(metrics=("loss", "accuracy"))])
    seconds = time.perf_counter() - start
    print(f"{model_name(depth, residual)}: perda de treino final "
          f"{fmt.num(history.history['loss'][-1], 4)}, {fmt.num(seconds / N_EPOCHS, 1)} s/época")
    test_accuracy = model.evaluate(test_ds, verbose=0)[1]
    return history.history, test_accuracy


histories, test_accuracies = {}, {}
for depth in (SHALLOW, DEEP):
    name = model_name(depth, residual=False)
    histories[name], test_accuracies[name] = train(depth, residual=False)

# %%
def plot_training_loss(names, title):
    """As curvas de perda de treino das redes `names`, uma por época."""
    fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
    for name in names:
        loss = histories[name]["loss"]
        style = "-" if name.startswith("ResNet") else "--"
        ax.plot(range(1, len(loss) + 1), loss, style, marker="o", label=name)
    ax.set_xlabel("época")
    ax.set_xticks(range(1, N_EPOCHS + 1))
    ax.set_ylabel("perda de treino (média da época)")
    ax.yaxis.set_major_formatter(fmt.tick_formatter())
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


plain_names = [model_name(depth, residual=False) for depth in (SHALLOW, DEEP)]
plot_training_loss(plain_names, "Redes planas: a mais funda treina melhor?");

# %%
def final_loss(name):
    return histories[name]["loss"][-1]


shallow_plain, deep_plain = plain_names
plain_gap = final_loss(deep_plain) - final_loss(shallow_plain)
verdict = "pior" if plain_gap > 0 else "melhor"
print(f"{deep_plain} termina com perda de treino {fmt.num(final_loss(deep_plain), 4)}; "
      f"{shallow_plain}, com {fmt.num(final_loss(shallow_plain), 4)}: com mais camadas, a "
      f"rede plana treinou {verdict} (diferença {fmt.num(plain_gap, 4)}).")

# %% [markdown]
# No treino completo do artigo (figuras 1 e 6), a rede plana de 56 camadas fica **acima** da
# de 20 do começo ao fim do treino; os autores do curso viram o mesmo ao treinar as duas numa
# amostra de 10.000 imagens do CIFAR-10 (a tabela está em `docs/results.md`, no repositório
# do curso). Repare no que está sendo medido: a perda de **treino**. Sobreajuste seria uma
# perda de treino baixa com uma de teste alta; aqui a rede mais funda nem consegue aprender
# as próprias imagens de treino tão bem quanto a rasa. Isso é a **degradação**. No modo
# rápido, com poucas imagens, poucas épocas e redes de 8 e 20 camadas, o efeito é menor e
# pode até não aparecer: a frase acima diz o que este treino mostrou.
#
# O argumento do começo diz que existe uma solução pelo menos tão boa para a rede funda; a
# medida diz que o otimizador não a encontra. Para as camadas extras imitarem a identidade,
# cada uma precisaria acertar pesos bem específicos, passando por ReLU e normalização em
# lote. A ideia de He e colegas foi deixar a identidade de graça.
#
# ## O bloco residual
#
# Em vez de pedir a duas camadas que aprendam a saída desejada $H(x)$, o bloco residual pede
# que aprendam só a **diferença** (o resíduo) $F(x) = H(x) - x$ e soma a entrada de volta por
# um **atalho** (*shortcut* ou *skip connection*):
#
# $$y = \mathrm{ReLU}\big(F(x) + x\big), \qquad F(x) = \mathrm{BN}(\mathrm{conv}(\mathrm{ReLU}(
#   \mathrm{BN}(\mathrm{conv}(x)))))$$
#
# Se a identidade for o melhor que o bloco pode fazer, basta $F(x) = 0$, o que é fácil:
# pesos perto de zero. O desenho mostra um bloco plano e um residual lado a lado; a única
# diferença é o atalho e a soma, **antes** da última ReLU.

# %%
def draw_block(ax, residual):
    """Um bloco de duas convoluções, de baixo (entrada x) para cima (saída y)."""
    steps = ["conv 3×3", "BN", "ReLU", "conv 3×3", "BN", "ReLU"]
    ys = np.arange(len(steps)) * 1.0 + 1.0
    if residual:
        ys[-1] += 0.8  # espaço para a soma antes da última ReLU
    colors = {"conv 3×3": "#c6dbef", "BN": "#fdd0a2", "ReLU": "#c7e9c0"}
    for step, y in zip(steps, ys):
        ax.add_patch(FancyBboxPatch((-0.9, y - 0.3), 1.8, 0.6, boxstyle="round,pad=0.02",
                                    facecolor=colors[step], edgecolor="black"))
        ax.text(0, y, step, ha="center", va="center", fontsize=10)
    points = [0.0, *ys, ys[-1] + 1.0]
    if residual:
        points = [0.0, *ys[:-1], ys[-1] - 0.8, ys[-1], ys[-1] + 1.0]
        plus_y = ys[-1] - 0.8
        ax.add_patch(plt.Circle((0, plus_y), 0.22, facecolor="white", edgecolor="black"))
        ax.text(0, plus_y, "+", ha="center", va="center", fontsize=14)
        ax.plot([0, 1.6, 1.6], [0.25, 0.25, plus_y], color="#b2182b", lw=2)  # o atalho
        ax.annotate("", xy=(0.24, plus_y), xytext=(1.6, plus_y),
                    arrowprops={"arrowstyle": "-|>", "color": "#b2182b", "lw": 2})
        ax.text(1.75, (plus_y + 0.25) / 2, "atalho:\nidentidade\n(ou conv 1×1 + BN\nonde o "
                "formato muda)", color="#b2182b", fontsize=9, va="center")
        ax.plot([-1.05, -1.15, -1.15, -1.05], [ys[0] - 0.3, ys[0] - 0.3, ys[4] + 0.3, ys[4] + 0.3],
                color="gray")
        ax.text(-1.25, (ys[0] + ys[4]) / 2, "F(x)", fontsize=12, ha="right", va="center")
    for start, end in zip(points[:-1], points[1:]):
        gap_start = 0.22 if residual and start == ys[-1] - 0.8 else 0.3
        gap_end = 0.22 if residual and end == ys[-1] - 0.8 else 0.3
        ax.annotate("", xy=(0, end - gap_end), xytext=(0, start + (gap_start if start else 0.1)),
                    arrowprops={"arrowstyle": "-|>", "color": "black"})
    ax.text(0, -0.2, "x", ha="center", va="top", fontsize=12)
    ax.text(0, points[-1] + 0.05, "y", ha="center", va="bottom", fontsize=12)
    ax.set_xlim(-2.2, 3.6)
    ax.set_ylim(-0.8, points[-1] + 0.7)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("bloco residual: y = ReLU(F(x) + x)" if residual else "bloco plano: y = F(x)")


fig, (ax_plain, ax_residual) = plt.subplots(1, 2, figsize=(10, 6), layout="constrained")
draw_block(ax_plain, residual=False)
draw_block(ax_residual, residual=True)

# %% [markdown]
# ### O caminho do gradiente
#
# Na aula 05 você viu, no grafo computacional, que a soma repassa o gradiente sem mudá-lo.
# Com $y = F(x) + x$ (antes da ReLU), a regra da cadeia dá
#
# $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y}\,\frac{\partial F}{\partial x}
#   + \frac{\partial L}{\partial y}:$$
#
# o gradiente que chega em cima do bloco passa **inteiro** pelo atalho, mais o que o ramo $F$
# acrescenta. Numa rede plana ele precisa atravessar todas as camadas, sendo multiplicado por
# uma derivada local em cada uma. Vamos medir como na aula 05: a norma do gradiente da perda
# em relação aos pesos de cada convolução 3×3, num lote de 128 imagens, com as redes recém
# inicializadas (antes de qualquer treino). Uma passada num lote só custa pouco, então aqui
# usamos as redes de 56 camadas do artigo também no modo rápido.

# %%
loss_fn = keras.losses.SparseCategoricalCrossentropy()
batch_x = x_train[:128].astype("float32") / 255.0
batch_y = y_train[:128]


def gradient_norm_per_conv(model):
    """Norma do gradiente da perda em relação ao kernel de cada convolução 3×3, da entrada
    para a saída (os atalhos 1×1 ficam de fora)."""
    kernels = [layer.kernel for layer in model.layers
               if isinstance(layer, layers.Conv2D) and layer.kernel_size == (3, 3)]
    with tf.GradientTape() as tape:
        batch_loss = loss_fn(batch_y, model(batch_x, training=True))
    return np.array([float(tf.norm(g)) for g in tape.gradient(batch_loss, kernels)])


GRADIENT_DEPTH = DEPTHS[1]
norms = {}
for residual in (False, True):
    config.set_seed(SEED)
    network = build_resnet(GRADIENT_DEPTH, residual=residual)
    norms[model_name(GRADIENT_DEPTH, residual)] = gradient_norm_per_conv(network)
for name, per_layer in norms.items():
    print(f"{name}: camada 1 {fmt.num(per_layer[0]):>8} | última {fmt.num(per_layer[-1]):>7} | "
          f"maior ÷ menor: {fmt.num(per_layer.max() / per_layer.min(), 1)}")

# %%
fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
for name, per_layer in norms.items():
    ax.semilogy(np.arange(1, len(per_layer) + 1), per_layer,
                "-" if name.startswith("ResNet") else "--", marker="o", markersize=3, label=name)
ax.set_xlabel("convolução 3×3 (1 = a mais perto da entrada)")
ax.set_ylabel("norma do gradiente (escala log)")
ax.set_title(f"O gradiente camada a camada, redes de {GRADIENT_DEPTH} camadas antes do treino")
ax.legend();

# %%
for name, per_layer in norms.items():
    ratio = per_layer[0] / per_layer[-1]
    trend = "maior" if ratio > 1 else "menor"
    print(f"{name}: o gradiente da primeira convolução é {fmt.num(ratio, 2)} vezes o da última "
          f"({trend} perto da entrada)")

# %% [markdown]
# Leia as linhas acima junto com o gráfico. Com normalização em lote e ReLU, o gradiente da
# rede plana **não** some como o da sigmoide da aula 05 (He e colegas observam o mesmo no
# artigo); o problema é que ele varia por ordens de grandeza de camada para camada (a razão
# "maior ÷ menor" acima), e uma só taxa de aprendizado precisa servir para todas. As linhas
# acima dizem em que sentido: se ele cresce em direção à entrada, é o gradiente que explode,
# o outro lado do gradiente que desaparece da aula 05. Com os atalhos, cada camada recebe o
# gradiente da saída por um caminho direto, e as normas ficam numa faixa mais estreita. É uma
# pista, não a explicação completa: por que as redes planas degradam ainda é estudado. O que
# importa para você é a medida: com atalhos, a rede funda volta a treinar.
#
# ## Quando o formato muda: a projeção 1×1
#
# A soma $F(x) + x$ só existe se os dois tiverem o mesmo formato. No começo dos estágios 2 e 3,
# o primeiro bloco reduz a altura e a largura à metade (a primeira convolução tem passo 2) e
# dobra os filtros. Ali o atalho não pode ser a identidade: ele passa por uma **convolução
# 1×1** com passo 2 e o número novo de filtros, seguida de normalização em lote (a "opção B"
# do artigo). Uma convolução 1×1 olha um pixel de cada vez: é uma combinação dos canais
# daquele pixel, com $C_{in} \cdot C_{out}$ pesos. Nos outros blocos o atalho é a identidade,
# sem nenhum parâmetro.
#
# As convoluções do bloco não têm viés (`use_bias=False`): a normalização em lote logo depois
# subtrai a média e soma o seu próprio $\beta$, e um viés seria desfeito (aula 10).
#
# ### Exercício 1 · Os parâmetros de um bloco
#
# Complete `block_params(c_in, c_out)`: o número de parâmetros (o que `count_params` do Keras
# conta) de um bloco de `build_resnet` que recebe `c_in` canais e devolve `c_out`. O bloco
# tem duas convoluções 3×3 sem viés, cada uma seguida de normalização em lote, e, só quando
# `c_in != c_out`, a projeção 1×1 sem viés com a sua normalização em lote. A verificação
# compara com o Keras em cinco blocos diferentes.

# %%
def block_params(c_in, c_out):
    """Parâmetros de um bloco residual de c_in para c_out canais."""
    # BEGIN SOLUTION ex1
    convs = 3 * 3 * c_in * c_out + 3 * 3 * c_out * c_out
    batch_norms = 2 * 4 * c_out
    projection = c_in * c_out + 4 * c_out if c_in != c_out else 0
    return convs + batch_norms + projection
    # END SOLUTION


ex1.check(block_params)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ### Exercício 2 · Um bloco residual com a API funcional
#
# Na API funcional do Keras (a que `build_resnet` usa), uma camada é chamada sobre um tensor
# e devolve outro, e um tensor pode ser usado duas vezes: é assim que o atalho guarda `x`
# para somá-lo no fim. A soma é `layers.Add()([a, b])` (ou simplesmente `a + b`).
#
# Complete `residual_block(x, filters, stride)`. O caminho principal é conv 3×3 (com o passo
# `stride`) → BN → ReLU → conv 3×3 (passo 1) → BN, as convoluções com `padding="same"` e
# `use_bias=False`. O atalho é `x` quando `stride == 1` e `x` já tem `filters` canais; senão,
# conv 1×1 com passo `stride` → BN. A saída é a ReLU da soma.
#
# A verificação monta o seu bloco em três casos (atalho identidade; projeção com passo 2;
# projeção com passo 1), dá a ele os mesmos pesos do bloco de `build_resnet` e compara as
# saídas número a número.

# %%
def residual_block(x, filters, stride):
    """Bloco residual: ReLU(F(x) + atalho(x)), com F = conv-BN-ReLU-conv-BN."""
    # BEGIN SOLUTION ex2
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))
    # END SOLUTION


ex2.check(residual_block)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# ## A família ResNet do CIFAR-10
#
# Com o bloco pronto, a rede inteira é curta: uma convolução 3×3 com 16 filtros, três
# estágios de $n$ blocos (16, 32 e 64 filtros; o primeiro bloco dos estágios 2 e 3 com passo
# 2), *global average pooling* (a média de cada mapa de características, aula 03) e a camada
# densa. Sem `Flatten` e sem densas grandes, quase todos os parâmetros ficam nas convoluções.
# O resumo da ResNet-20 ($n = 3$):

# %%
resnet20 = build_resnet(20)
resnet20.summary(line_length=100, layer_range=(resnet20.layers[0].name, resnet20.layers[12].name))

# %% [markdown]
# (Mostramos só as primeiras camadas; o resto repete o padrão.) Quantos parâmetros? A tabela
# 6 do artigo conta só os pesos das convoluções 3×3 e da camada densa. O Keras conta também
# os 4 números por canal da normalização em lote e as projeções 1×1:

# %%
def paper_count(model):
    """Pesos das convoluções 3×3 e da camada densa: o que a tabela do artigo conta."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D) and layer.kernel_size == (3, 3):
            total += layer.count_params()
        elif isinstance(layer, layers.Dense):
            total += layer.count_params()
    return total


PAPER_MILLIONS = {20: 0.27, 56: 0.85}  # tabela 6 do artigo
for depth in DEPTHS:
    for residual in (True, False):
        model = build_resnet(depth, residual=residual)
        print(f"{model_name(depth, residual):>9}: count_params {fmt.num(model.count_params()):>8} | "
              f"contados como no artigo: {fmt.num(paper_count(model) / 1e6, 2)} milhão "
              f"(o artigo: {fmt.num(PAPER_MILLIONS[depth])})")

# %% [markdown]
# A rede plana e a residual da mesma profundidade têm os mesmos pesos, menos as projeções:
# a comparação entre elas é justa.
#
# ### Exercício 3 · O formato depois de cada estágio
#
# Complete `stage_shapes(height, width)`: a lista dos formatos `(altura, largura, canais)` de
# uma imagem `(height, width, 3)` depois da primeira convolução e depois de cada um dos três
# estágios de `build_resnet` (quatro formatos). A verificação compara com o modelo montado
# para quatro tamanhos de imagem, alguns ímpares.

# %%
def stage_shapes(height, width):
    """Formatos depois da primeira convolução e de cada estágio, para uma imagem height × width."""
    # BEGIN SOLUTION ex3
    shapes = [(height, width, 16), (height, width, 16)]
    for filters in (32, 64):
        height, width = (height + 1) // 2, (width + 1) // 2
        shapes.append((height, width, filters))
    return shapes
    # END SOLUTION


ex3.check(stage_shapes)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# Depois do último estágio, o *global average pooling* transforma o mapa de 8×8×64 (numa
# imagem do CIFAR-10) em 64 números, um por canal, qualquer que seja o tamanho da imagem.
#
# ## Residual contra plana
#
# Agora as redes residuais, com o mesmo orçamento das planas:

# %%
for depth in (SHALLOW, DEEP):
    name = model_name(depth, residual=True)
    histories[name], test_accuracies[name] = train(depth, residual=True)

# %%
all_names = [model_name(depth, residual) for residual in (False, True)
             for depth in (SHALLOW, DEEP)]
plot_training_loss(all_names, "Perda de treino: planas (tracejadas) e residuais");

# %% [markdown]
# ### Exercício 4 · Lendo as curvas
#
# Para dizer se uma rede degrada, comparamos a perda de treino **no fim** do treino da mais
# funda com a da mais rasa. Complete `training_gap(deep, shallow)`: recebe dois históricos (os
# dicionários `history.history` do Keras, uma lista por medida) e devolve a perda de treino da
# última época da rede funda menos a da rasa. Positivo: a funda treinou pior.
#
# A verificação usa quatro históricos inventados para o exercício, com o formato da figura 1
# do artigo (`curve_problem()`); depois você aplica a função às curvas que acabou de medir.

# %%
example = curve_problem()
print("medidas de cada histórico:", list(example["Plain-20"]))

# %%
def training_gap(deep, shallow):
    """Perda de treino final da rede funda menos a da rasa."""
    # BEGIN SOLUTION ex4
    return deep["loss"][-1] - shallow["loss"][-1]
    # END SOLUTION


ex4.check(training_gap)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# A mesma conta nas curvas medidas nesta aula. A célula usa `reference_gap`, a versão do
# curso da sua `training_gap`, para rodar mesmo antes de você resolver o exercício:

# %%
for residual in (False, True):
    deep_name, shallow_name = model_name(DEEP, residual), model_name(SHALLOW, residual)
    gap = reference_gap(histories[deep_name], histories[shallow_name])
    verdict = "degradou (treinou pior)" if gap > 0 else "não degradou"
    print(f"{deep_name} − {shallow_name}: {fmt.num(gap, 4)} → a rede mais funda {verdict}")
residual_gain = final_loss(model_name(DEEP, False)) - final_loss(model_name(DEEP, True))
print(f"com {DEEP} camadas, os atalhos {'baixaram' if residual_gain > 0 else 'não baixaram'} a "
      f"perda de treino final (plana − residual: {fmt.num(residual_gain, 4)})")

# %% [markdown]
# No artigo, com o treino completo no CIFAR-10, a ResNet-56 termina abaixo da ResNet-20 e a
# Plain-56 acima da Plain-20: os atalhos transformam profundidade em ganho. Com um orçamento
# curto, até a residual funda pode ainda não ter passado a rasa (mais camadas também são mais
# lentas para começar); compare então as duas redes fundas entre si, a plana e a residual,
# que têm os mesmos pesos. Se as linhas acima disserem outra coisa, lembre do tamanho do
# treino: poucas épocas e, no modo rápido, poucas imagens.
#
# Por fim, o teste, medido uma vez para cada rede. Como na aula 10, depois de poucos passos as estatísticas
# móveis da normalização em lote ainda lembram o valor inicial, e a acurácia no modo de
# inferência sai mais baixa do que a do treino sugere; a célula diz quanto:

# %%
rows = [{"rede": name, "perda de treino final": final_loss(name),
         "acurácia no teste": test_accuracies[name]} for name in histories]
pd.DataFrame(rows).set_index("rede").round(4)

# %%
total_steps = N_EPOCHS * steps_per_epoch
print(f"{total_steps} passos de treino: o valor inicial das estatísticas móveis ainda pesa "
      f"{fmt.pct(0.99 ** total_steps, 1)} (momentum 0,99, aula 10)")

# %% [markdown]
# ## O que você aprendeu
#
# - **Degradação**: com o mesmo treino, a rede plana mais funda pode terminar com perda de
#   **treino** maior que a mais rasa. Não é sobreajuste; é a otimização que não encontra a
#   solução que existe (copiar a rasa e completar com identidades).
# - O **bloco residual** calcula $y = \mathrm{ReLU}(F(x) + x)$: as camadas aprendem só o
#   resíduo $F$, e a identidade sai de graça com $F = 0$. A ReLU vem **depois** da soma.
# - Na passada para trás, a soma repassa o gradiente pelo **atalho** sem mudá-lo (aula 05):
#   cada camada recebe o gradiente da saída por um caminho direto. Medimos as normas camada a
#   camada numa rede plana e numa residual.
# - Onde o formato muda, o atalho é uma **convolução 1×1** com passo 2 seguida de BN, com
#   $C_{in} \cdot C_{out}$ pesos; nos outros blocos, a identidade, sem parâmetros. As
#   convoluções antes de uma BN dispensam o viés.
# - A ResNet do CIFAR-10 tem profundidade $6n + 2$: uma convolução, três estágios de $n$
#   blocos (16, 32, 64 filtros), *global average pooling* e uma densa. Com `padding="same"`
#   e passo 2, um lado ímpar arredonda para cima.
# - Para ler curvas de treino: compare a perda de treino no fim, com o mesmo orçamento; a
#   acurácia de teste depois de poucos passos ainda sofre com as estatísticas móveis da BN.
#
# ## Fontes
#
# As aulas que servem de base ao curso param na VGG16 (a tabela camada a camada dos slides
# de Saulo Oliveira, *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE,
# 2023.1, que a aula 03 percorre); as redes residuais vêm da literatura abaixo.
#
# - Kaiming He, Xiangyu Zhang, Shaoqing Ren e Jian Sun. *Deep Residual Learning for Image
#   Recognition*. CVPR, 2016 (arXiv:1512.03385, dezembro de 2015). A degradação está na
#   figura 1 e na seção 4.2; a família do CIFAR-10 ($6n + 2$, 16/32/64 filtros) e a
#   tabela 6, com os 0,27 e 0,85 milhão de parâmetros e o erro de teste de 8,75 % da
#   ResNet-20 no CIFAR-10 completo, também.
# - Kaiming He, Xiangyu Zhang, Shaoqing Ren e Jian Sun. *Identity Mappings in Deep Residual
#   Networks*. ECCV, 2016 (por que o atalho limpo, sem nada no caminho, ajuda o gradiente).
# - Aston Zhang, Zachary C. Lipton, Mu Li e Alexander J. Smola. *Dive into Deep Learning*,
#   seção 8.6, "Residual Networks (ResNet) and ResNeXt" (d2l.ai).
#
# Os termos desta aula (bloco residual, atalho, degradação, projeção 1×1, estágio) estão no
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# ## O que ler a seguir
#
# A aula **12 · Raio-X com TPU** leva o que você montou até aqui (convoluções, normalização em
# lote, *dropout*, um *pipeline* de entrada) a um problema real, a pneumonia em radiografias
# de tórax, e treina num acelerador.
